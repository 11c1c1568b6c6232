"""The ``archive`` topology (point-in-time recovery): a primary archives its WAL; a base backup is
taken; the lab's ``scenario.sql`` plays an incident (a DROP TABLE at a recorded moment) and its WAL
is archived (cached per lab by ``labs.engines.postgres.pitr_cache``). The runbook then restores the
backup into a new data directory and recovers it to a target; recovery failures are explained.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from labs.attempt import AnswerRejected, LearnerTimeout
from labs.engines.postgres import pitr_cache
from labs.engines.postgres.cluster import PLATFORM_TIMEOUT, Cluster, Instance, OperationalAttempt
from labs.engines.postgres.scenario import LabConfigError, lab_scenario_marks
from labs.runbook import MarkRef, Step
from labs.sandbox import base
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.spec import LabSpec


def scenario_marks(spec: LabSpec) -> set[str]:
    """The mark names a lab's scenario records (runbooks may refer to these only); a broken
    scenario.sql is a SandboxError (the platform's fault) here, where grading asks."""
    try:
        return lab_scenario_marks(spec)
    except LabConfigError as exc:
        raise SandboxError(str(exc)) from None


# -- archive: point-in-time recovery ---------------------------------------------------------------


def build_archive(attempt: OperationalAttempt) -> None:
    """The incident (base backup, WAL archive, marks) comes from the per-lab cache
    (labs.engines.postgres.pitr_cache), built by the first attempt; this attempt copies the archive
    into its own box and runs the runbook on a copy of the backup."""
    cluster, spec = attempt.cluster, attempt.spec
    assert cluster is not None
    started = time.monotonic()
    inputs, built = pitr_cache.archive_inputs(spec)
    attempt.time_phase("scenario_built" if built else "scenario_cached", started)
    started = time.monotonic()
    archive = pitr_cache.copy_into(cluster, inputs)
    attempt.notes["marks"] = inputs.marks
    attempt.notes["primary_timeline"] = 1
    attempt.notes["archived_through"] = inputs.archived_through
    attempt.time_phase("archive_copied", started)

    started = time.monotonic()
    attempt.start_learner_clock(attempt.notes["opened"])
    run_archive_runbook(attempt, archive, inputs.backup)
    attempt.time_phase("runbook", started)


def resolve_value(attempt: OperationalAttempt, step: Step, value: Any) -> Any:
    """Turn @mark references into the values the scenario recorded."""
    if not isinstance(value, MarkRef):
        return value
    marks = attempt.notes.get("marks", {})
    if value.mark not in marks:
        raise AnswerRejected(
            f"{step.describe()}: this lab records no mark @{value.mark}; its marks are "
            f"{', '.join('@' + m for m in sorted(marks)) or 'none'}"
        )
    recorded = marks[value.mark][value.field]
    if value.field == "time" and value.offset_seconds:
        moment = datetime.fromisoformat(recorded) + timedelta(seconds=value.offset_seconds)
        return moment.isoformat(sep=" ")
    return recorded


def conf_line(name: str, value: Any) -> str:
    text = ("on" if value else "off") if isinstance(value, bool) else str(value)
    return f"{name} = '{text.replace(chr(39), chr(39) * 2)}'"


def run_archive_runbook(attempt: OperationalAttempt, archive: Path, backup: Path) -> None:
    cluster = attempt.cluster
    assert cluster is not None
    settings: dict[str, Any] = {}
    recovered: Instance | None = None
    recovery = attempt.notes.setdefault("recovery", {"state": "not started", "settings": settings})
    for step in attempt.steps:
        if step.name == "restore_base_backup":
            recovered = cluster.add_instance("recovered", source=backup)
        elif step.name == "set":
            settings[step.args["param"]] = resolve_value(attempt, step, step.args["value"])
        elif step.name == "start":
            assert recovered is not None  # the parser puts restore_base_backup first
            lines = [f"restore_command = 'cp {archive}/%f \"%p\"'"]
            lines += [conf_line(name, value) for name, value in settings.items()]
            with open(recovered.data_dir / "postgresql.auto.conf", "a") as conf:
                conf.write("\n# written by the learner's runbook\n" + "\n".join(lines) + "\n")
            (recovered.data_dir / "recovery.signal").touch()
            base.chown_to_sandbox_user(recovered.data_dir)
            recovery["state"] = start_recovery(attempt, cluster, recovered, step, settings)
        elif step.name == "promote":
            assert recovered is not None
            recovery["promote_step"] = True
            recovery["state"] = promote(attempt, recovered, step)


def start_recovery(
    attempt: OperationalAttempt, cluster: Cluster, instance: Instance, step: Step, settings: dict[str, Any]
) -> str:
    """Start the restored server and wait until recovery stops: promoted, or paused at the target."""
    cluster.launch(instance, {"archive_mode": "off"})
    try:
        ready = cluster.wait_until_ready(instance, attempt.deadline)
    except TimeoutError:
        raise LearnerTimeout(
            f"{step.describe()}: the restored server was still replaying WAL when the lab's "
            f"time limit of {attempt.spec.time_limit:g} s ran out"
        ) from None
    if not ready:
        raise AnswerRejected(explain_failed_recovery(instance, step, settings))
    try:
        with instance.connect(timeout=attempt.remaining()) as conn:
            while True:
                state = recovery_state(conn)
                if state in ("promoted", "paused"):
                    return state
                if time.monotonic() >= attempt.deadline:
                    raise LearnerTimeout(
                        f"{step.describe()}: recovery had not reached its target when the lab's time "
                        f"limit of {attempt.spec.time_limit:g} s ran out"
                    )
                time.sleep(0.01)
    except psycopg.OperationalError:
        # A hot standby accepts connections once consistent, then may still stop on a FATAL
        # (a target beyond the archive): wait for the postmaster to exit and explain from its log.
        try:
            instance.process.wait(timeout=PLATFORM_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SandboxError(
                f"the restored server dropped our connection but kept running: {instance.log_tail(3)}"
            ) from None
        cluster.forget(instance)
        raise AnswerRejected(explain_failed_recovery(instance, step, settings)) from None


def recovery_state(conn: psycopg.Connection) -> str:
    """promoted, paused or replaying; the pause state exists only during recovery, which may end
    between two queries."""
    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
        return "promoted"
    try:
        paused = conn.execute("SELECT pg_get_wal_replay_pause_state() = 'paused'").fetchone()[0]
    except psycopg.errors.ObjectNotInPrerequisiteState:
        return "promoted"
    return "paused" if paused else "replaying"


def describe_target(settings: dict[str, Any]) -> str:
    targets = [
        f"{k} = {settings[k]}"
        for k in settings
        if k.startswith("recovery_target")
        and k not in ("recovery_target_inclusive", "recovery_target_action", "recovery_target_timeline")
    ]
    return ", ".join(targets) or "no recovery target"


# FATAL lines that only say a client was turned away while the server was busy: they hide
# the server's own reason for stopping.
_CLIENT_REFUSALS = (
    "the database system is in recovery mode",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is not yet accepting connections",
)


def _server_fatal_lines(instance: Instance) -> list[str]:
    return [line for line in instance.fatal_lines() if not any(text in line for text in _CLIENT_REFUSALS)]


def explain_failed_recovery(instance: Instance, step: Step, settings: dict[str, Any]) -> str:
    """A learner-facing reason the restored server stopped, from its log."""
    fatal = _server_fatal_lines(instance)
    if not fatal and instance.process is not None:
        # The server may still be writing its reason while it shuts down: give it a moment.
        with contextlib.suppress(subprocess.TimeoutExpired):
            instance.process.wait(timeout=2)
        fatal = _server_fatal_lines(instance)
    last = fatal[-1].split("FATAL:", 1)[-1].strip() if fatal else "it exited without a FATAL message"
    target = describe_target(settings)
    if "before configured recovery target was reached" in last:
        advice = (
            "Recovery replayed every archived WAL file without reaching your target: no change in the archive "
            "comes after it. Pick a target between the base backup and the incident, such as the incident's own mark."
        )
    elif "before consistent recovery point" in last:
        advice = (
            "Your target lies before the end of the base backup, where the restored files are not yet "
            "consistent. Pick a target after the backup: the incident happened later."
        )
    elif "timeline" in last:
        advice = "The archive has only timeline 1 (and what recovery creates): use recovery_target_timeline latest."
    else:
        advice = "Check the recovery settings of your runbook against the lab's instructions."
    return f"{step.describe()}: the restored server stopped during recovery ({target}): {last}. {advice}"


def promote(attempt: OperationalAttempt, instance: Instance, step: Step) -> str:
    """pg_promote(): ends recovery, even when it is paused at the target."""
    if not instance.running():
        raise AnswerRejected(f"{step.describe()}: there is no running server to promote")
    with instance.connect(timeout=attempt.remaining()) as conn:
        if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            return "promoted"  # recovery_target_action = promote already did it: nothing to do
        # Ask without waiting, then poll with short queries: a long pg_promote(true) on a hot
        # standby can be cancelled by a recovery conflict while replay finishes before promotion.
        conn.execute("SELECT pg_promote(false)")
        while time.monotonic() < attempt.deadline:
            try:
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return "promoted"
            except (psycopg.errors.QueryCanceled, psycopg.errors.SerializationFailure):
                pass  # "canceling statement due to conflict with recovery": ask again
            time.sleep(0.02)
    raise LearnerTimeout(f"{step.describe()}: promotion did not finish within the lab's time limit")
