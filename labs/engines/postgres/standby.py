"""The ``standby`` topology: a primary holds the lab's data; the runbook creates a slot, takes a
base backup and starts a streaming standby; the platform checks it catches up.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from psycopg import sql as pgsql

from labs.attempt import AnswerRejected, LearnerTimeout
from labs.engines.postgres import standby_load
from labs.engines.postgres.archive import conf_line, promote
from labs.engines.postgres.cluster import PROBE_TABLE, SUPERUSER, Instance, OperationalAttempt, run_sql
from labs.engines.postgres.settings import PG_BIN
from labs.runbook import Step

# Settings of the primary a standby runbook may set (the rest are the standby's own).
PRIMARY_SETTINGS = ("synchronous_standby_names", "synchronous_commit")
SYNC_WAIT_SECONDS = 3.0  # longest wait for a named standby to turn synchronous after the reload

# -- standby -------------------------------------------------------------------------------------


def build_standby(attempt: OperationalAttempt) -> None:
    cluster, spec = attempt.cluster, attempt.spec
    assert cluster is not None
    started = time.monotonic()
    primary = cluster.add_instance("primary")
    cluster.start(primary)
    run_sql(primary, spec.seed, "setup.sql")
    run_sql(
        primary,
        f"CREATE TABLE {PROBE_TABLE} (id bigserial PRIMARY KEY, token text NOT NULL, "
        "written_at timestamptz NOT NULL DEFAULT clock_timestamp())",
        "the probe table",
    )
    run_sql(primary, standby_load.create_load_table_sql(), "the report-load table")
    attempt.time_phase("primary_ready", started)
    started = time.monotonic()
    attempt.start_learner_clock(attempt.notes["opened"])
    run_standby_runbook(attempt, primary)
    attempt.time_phase("runbook", started)


def run_standby_runbook(attempt: OperationalAttempt, primary: Instance) -> None:
    cluster = attempt.cluster
    assert cluster is not None
    settings: dict[str, Any] = {}
    standby: Instance | None = None
    primary_settings: dict[str, Any] = {}
    attempt.notes["standby_settings"] = settings
    attempt.notes["primary_settings"] = primary_settings
    for step in attempt.steps:
        if step.name == "create_replication_slot":
            try:
                with primary.connect() as conn:
                    conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", [step.args["slot"]])
            except psycopg.Error as exc:
                raise AnswerRejected(f"{step.describe()}: the primary refused: {exc}".strip()) from None
            attempt.notes.setdefault("slots_created", []).append(step.args["slot"])
        elif step.name == "take_base_backup":
            standby = cluster.add_instance("standby", copy_data=False)
            argv = [
                str(PG_BIN / "pg_basebackup"),
                "-D",
                str(standby.data_dir),
                "-h",
                str(primary.socket_dir),
                "-p",
                str(primary.port),
                "-U",
                SUPERUSER,
                "-R",
                "-c",
                "fast",
                "-X",
                "stream",
                "--no-sync",
                "--no-manifest",
            ]
            if "slot" in step.args:
                argv += ["-S", step.args["slot"]]
            taken = cluster.run_tool(argv, timeout=max(1.0, attempt.remaining()))
            if taken.returncode:
                raise AnswerRejected(f"{step.describe()}: pg_basebackup failed: {taken.stderr.strip()}")
            attempt.notes["backup_slot"] = step.args.get("slot")
        elif step.name == "set" and step.args["param"] in PRIMARY_SETTINGS:
            primary_settings[step.args["param"]] = step.args["value"]
        elif step.name == "set":
            settings[step.args["param"]] = step.args["value"]
        elif step.name == "start_standby":
            assert standby is not None
            if settings:
                with open(standby.data_dir / "postgresql.auto.conf", "a") as conf:
                    conf.write("\n# written by the learner's runbook\n")
                    conf.write("\n".join(conf_line(k, v) for k, v in settings.items()) + "\n")
            cluster.launch(standby, standby_load.STANDBY_SETTINGS)
            try:
                ready = cluster.wait_until_ready(standby, attempt.deadline)
            except TimeoutError:
                raise LearnerTimeout(
                    f"{step.describe()}: the standby did not become consistent within the lab's "
                    f"time limit of {attempt.spec.time_limit:g} s"
                ) from None
            if not ready:
                fatal = "; ".join(line.split("FATAL:", 1)[-1].strip() for line in standby.fatal_lines()[-2:])
                raise AnswerRejected(
                    f"{step.describe()}: the standby stopped while starting: {fatal or standby.log_tail(3)}"
                )
            # Reports start on the standby at once (the lab's story): replay lags for a while, so
            # only a runbook that waits for catch-up is caught up when the checks look.
            standby_load.hold_replay(attempt, primary, standby)
            if primary_settings:
                apply_primary_settings(primary, primary_settings, step)
        elif step.name == "wait_for_catchup":
            attempt.notes["catchup"] = wait_for_catchup(attempt, primary, step)
        elif step.name == "promote":
            assert standby is not None
            attempt.notes["standby_promoted"] = promote(attempt, standby, step) == "promoted"


def apply_primary_settings(primary: Instance, settings: dict[str, Any], step: Step) -> None:
    """The runbook's primary settings (synchronous replication), applied once the standby is up
    and after the platform's own report load, so a standby name that matches nothing stalls the
    learner's commits, never the platform's set-up. Values are validated by the parser and
    passed as literals.

    synchronous_standby_names goes to ALTER SYSTEM and a reload. synchronous_commit is on the
    platform's command line (BASE_SETTINGS), which outranks ALTER SYSTEM, so it becomes the
    default of every role instead (ALTER ROLE ALL SET), which outranks the command line: every
    new session, the grader's probes included, commits under the learner's choice."""
    with primary.connect() as conn:
        for name, value in settings.items():
            target = "ROLE ALL" if name == "synchronous_commit" else "SYSTEM"
            try:
                conn.execute(
                    pgsql.SQL("ALTER {} SET {} = {}").format(
                        pgsql.SQL(target), pgsql.Identifier(name), pgsql.Literal(str(value))
                    )
                )
            except psycopg.Error as exc:
                detail = (exc.diag.message_primary or str(exc)).strip()
                raise AnswerRejected(f"{step.describe()}: the primary refused {name} = '{value}': {detail}") from None
        conn.execute("SELECT pg_reload_conf()")
    # pg_reload_conf() only signals: wait until a new session sees the values ...
    until = time.monotonic() + 5
    while time.monotonic() < until:
        with primary.connect() as conn:
            seen = {n: conn.execute(pgsql.SQL("SHOW {}").format(pgsql.Identifier(n))).fetchone()[0] for n in settings}
        if all(seen[n] == str(v) for n, v in settings.items()):
            break
        time.sleep(0.05)
    if not settings.get("synchronous_standby_names"):
        return
    # ... and, with standby names, until the walsender has re-read them and a standby is
    # synchronous (a name that matches nobody never gets there: then the checks report it).
    # Commits start waiting only once the checkpointer has also re-read the setting, which
    # has no SQL view: a short pause covers it.
    until = time.monotonic() + SYNC_WAIT_SECONDS
    query = "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')"
    with primary.connect() as conn:
        while time.monotonic() < until:
            if conn.execute(query).fetchone()[0]:
                break
            time.sleep(0.05)
    time.sleep(0.2)


def wait_for_catchup(attempt: OperationalAttempt, primary: Instance, step: Step) -> dict[str, Any]:
    """Wait until the primary sees a standby replay everything it had written; a timeout is
    noted (the checks report the lag), not fatal: a lagging standby is a gradable outcome."""
    timeout = standby_load.catchup_timeout(attempt, step.args.get("timeout"))
    until = time.monotonic() + timeout
    with primary.connect() as conn:
        target = str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])
    query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
    standby = attempt.server("standby")
    try:
        # Ask the standby itself: the primary's view (pg_stat_replication) is only as fresh as
        # the standby's last status message.
        conn = standby.connect(timeout=max(1.0, timeout)) if standby else primary.connect()
    except psycopg.OperationalError:  # hot_standby = off: the primary's view is all there is
        conn, query = primary.connect(), "SELECT max(replay_lsn) >= %s::pg_lsn FROM pg_stat_replication"
    with conn:
        while True:
            if conn.execute(query, [target]).fetchone()[0]:
                return {"reached": True, "target_lsn": target}
            if time.monotonic() >= until:
                return {"reached": False, "target_lsn": target, "waited": round(timeout, 2)}
            time.sleep(0.02)
