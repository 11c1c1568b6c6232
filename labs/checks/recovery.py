"""``recovery``: judge a point-in-time recovery (topology ``archive``).

One check, three things it can expect (``expect = ...`` in lab.toml)::

    [[checks]]
    type = "recovery"
    expect = "rows_before"     # the table exists with every row committed before the incident
    table = "orders"
    rows = 1500                # how many rows it held just before the mark
    mark = "drop"              # the scenario's mark for the incident (for messages)
    event = "the DROP TABLE"   # optional: how messages name the incident

    [[checks]]
    type = "recovery"
    expect = "none_after"      # nothing written after the incident was replayed
    table = "payments"
    where = "note = 'after the drop'"   # the author's SQL condition for those rows
    mark = "drop"

    [[checks]]
    type = "recovery"
    expect = "promoted"        # recovery ended: the server writes on a new timeline

    [[checks]]
    type = "recovery"
    expect = "paused"          # recovery waits at its target, read-only, for someone to inspect it
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_cluster import OperationalAttempt, describe_target, recovery_state
from labs.spec import CheckSpec

EXPECTATIONS = ("rows_before", "none_after", "promoted", "paused")
# Hints point at the idea, never at the reference's commands, and never suggest the very
# target the learner just used (a restore point judged too early must not be proposed again).
TOO_LATE_HINT = (
    "Recovery must stop at the incident, not after it: target the incident itself (the incident "
    "log gives its time, transaction id and WAL position), and decide with recovery_target_inclusive "
    "whether that transaction is replayed."
)
TOO_EARLY_HINT = (
    "{target} stops before the last commits that came before the incident, and those rows are lost. "
    "Move the target later, right up to the incident itself: the lesson explains what "
    "recovery_target_inclusive does when the target is the bad transaction."
)


def _too_early_hint(attempt: OperationalAttempt) -> str:
    settings = attempt.notes.get("recovery", {}).get("settings", {})
    target = describe_target(settings)
    text = f"Your target ({target})" if target != "no recovery target" else "Your target"
    return TOO_EARLY_HINT.format(target=text)


def check(attempt: OperationalAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    expect = params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    recovered = attempt.server("recovered")
    if recovered is None or not recovered.running():
        return _fail(
            check_spec,
            "There is no running recovered server to inspect: the runbook never started one.",
            "Restore the base backup, set a recovery target, then start.",
        )
    try:
        return {
            "rows_before": check_rows_before,
            "none_after": check_none_after,
            "promoted": check_promoted,
            "paused": check_paused,
        }[expect](attempt, check_spec, params)
    except (psycopg.OperationalError, SandboxError) as exc:
        return _fail(
            check_spec,
            f"Could not query the recovered server: {exc}".strip(),
            "The server stopped after recovery; check that recovery_target_action is promote or pause.",
        )


def _fail(check_spec: CheckSpec, message: str, hint: str, **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=False, message=message, hint=hint, artifacts=artifacts)


def _mark(attempt: OperationalAttempt, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = params.get("mark", "")
    return name, attempt.notes.get("marks", {}).get(name, {})


def _moment(params: dict[str, Any], mark_name: str, mark: dict[str, Any]) -> str:
    """'the DROP TABLE at 14:02:17 UTC (@drop: transaction 745, LSN 0/3000060)' from a recorded mark."""
    event = params.get("event", "the incident")
    if not mark:
        return event
    clock = datetime.fromisoformat(mark["time"]).strftime("%H:%M:%S.%f")[:-3]  # targets differ by ms
    return f"{event} at {clock} UTC (@{mark_name}: transaction {mark['xid']}, LSN {mark['lsn']})"


def _target_advice(attempt: OperationalAttempt, params: dict[str, Any], mark_name: str, mark: dict[str, Any]) -> str:
    """Say what in the learner's own settings made recovery go too far, when we can tell."""
    settings = attempt.notes.get("recovery", {}).get("settings", {})
    inclusive = settings.get("recovery_target_inclusive", True)
    targets = [
        k
        for k in settings
        if k
        in (
            "recovery_target_time",
            "recovery_target_xid",
            "recovery_target_lsn",
            "recovery_target_name",
            "recovery_target",
        )
    ]
    if not targets:
        return (
            "Without a recovery target, recovery replays the whole archive, the incident included, "
            "then opens the server."
        )
    if mark and settings.get("recovery_target_xid") == mark.get("xid") and inclusive:
        return (
            f"recovery_target_xid = {mark['xid']} is the incident's own transaction, and "
            "recovery_target_inclusive defaults to true, so recovery replayed it."
        )
    target = targets[0]
    return f"Your target ({target} = {settings[target]}) lies at or after {_moment(params, mark_name, mark)}."


def check_rows_before(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    table, expected = params["table"], int(params["rows"])
    mark_name, mark = _mark(attempt, params)
    moment = _moment(params, mark_name, mark)
    hint = TOO_LATE_HINT
    with attempt.connect("recovered") as conn:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0]
        if not exists:
            advice = _target_advice(attempt, params, mark_name, mark)
            return _fail(
                check_spec,
                f"{table} does not exist on the recovered server, so it has 0 of the {expected} "
                f"rows committed before {moment}: recovery replayed "
                f"{params.get('event', 'the incident')}. {advice}",
                hint,
                expected_rows=expected,
                found_rows=0,
            )
        found = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    if found == expected:
        return CheckResult(
            name=check_spec.name,
            passed=True,
            message=f"{table} is back with all {expected} rows committed before {moment}.",
            artifacts={"expected_rows": expected, "found_rows": found},
        )
    if found < expected:
        return _fail(
            check_spec,
            f"{table} has {found} of the {expected} rows committed before {moment}: your "
            "recovery target is too early, so the last rows committed before the incident "
            "were not replayed.",
            _too_early_hint(attempt),
            expected_rows=expected,
            found_rows=found,
        )
    return _fail(
        check_spec,
        f"{table} has {found} rows; it held {expected} just before {moment}: rows committed "
        "after the incident were replayed.",
        hint,
        expected_rows=expected,
        found_rows=found,
    )


def check_none_after(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    table, where = params["table"], params["where"]
    mark_name, mark = _mark(attempt, params)
    moment = _moment(params, mark_name, mark)
    with attempt.connect("recovered") as conn:
        if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0]:
            return _fail(
                check_spec,
                f"{table} does not exist on the recovered server, so it cannot show what was "
                "replayed: recovery stopped before the table was even created.",
                "Pick a target just before the incident, not before the base backup.",
            )
        query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(sql.Identifier(table), sql.SQL(where))
        found = conn.execute(query).fetchone()[0]
    if found == 0:
        return CheckResult(
            name=check_spec.name,
            passed=True,
            message=f"No row of {table} written after {moment} was replayed.",
            artifacts={"rows_after": 0},
        )
    advice = _target_advice(attempt, params, mark_name, mark)
    return _fail(
        check_spec,
        f"{table} holds {found} rows written after {moment} ({where}); expected none: "
        f"recovery went past the incident. {advice}",
        TOO_LATE_HINT,
        rows_after=found,
    )


def check_promoted(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    old_timeline = attempt.notes.get("primary_timeline", 1)
    with attempt.connect("recovered") as conn:
        state = recovery_state(conn)
        in_recovery = state != "promoted"
        if not in_recovery:
            # After promotion the control file names the new timeline only from the next checkpoint on.
            conn.execute("CHECKPOINT")
        timeline = conn.execute("SELECT timeline_id FROM pg_control_checkpoint()").fetchone()[0]
    artifacts = {"in_recovery": in_recovery, "timeline": timeline, "primary_timeline": old_timeline}
    if in_recovery:
        state = "paused at its recovery target" if state == "paused" else "still replaying WAL"
        return _fail(
            check_spec,
            f"The recovered server is still in recovery ({state}) on timeline {timeline}: it "
            "answers reads but refuses writes. Expected: promoted, writing on a new timeline "
            f"({old_timeline + 1}).",
            "recovery_target_action defaults to pause: the server waits at its target, read-only, until "
            "something ends recovery.",
            **artifacts,
        )
    if timeline <= old_timeline:
        return _fail(
            check_spec,
            f"The server accepts writes but is on timeline {timeline}, the primary's own: it "
            "did not branch off after recovery.",
            "Start from restore_base_backup with a recovery target, so promotion opens a new timeline.",
            **artifacts,
        )
    return CheckResult(
        name=check_spec.name,
        passed=True,
        message=f"The server is promoted and writes on timeline {timeline} (the lost primary wrote "
        f"timeline {old_timeline}).",
        artifacts=artifacts,
    )


def check_paused(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    with attempt.connect("recovered") as conn:
        state = recovery_state(conn)
        replayed_to = conn.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()[0]
    artifacts = {"state": state, "replayed_to": replayed_to}
    if state == "paused":
        return CheckResult(
            name=check_spec.name,
            passed=True,
            message=f"The recovered server is paused at its target (replayed up to {replayed_to}): read-only, "
            "ready to be inspected before anyone promotes it.",
            artifacts=artifacts,
        )
    if state == "promoted":
        return _fail(
            check_spec,
            "The recovered server was promoted: it already accepts writes on a new timeline, before anyone "
            "could check the data. Expected it paused at its target, read-only.",
            "recovery_target_action decides what happens at the target; leave promoting to the people who "
            "check the data.",
            **artifacts,
        )
    return _fail(
        check_spec,
        f"The recovered server is still replaying WAL (replayed up to {replayed_to}), not paused at a target.",
        "Give recovery a target to stop at.",
        **artifacts,
    )
