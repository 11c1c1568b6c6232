"""Adverse timing for the standby topology: a report query that holds replay back.

A runbook that starts a standby and ends without waiting for it to catch up works only when
the standby happens to be fast. To judge it under the conditions the lab describes (the
reporting tool is already running long queries on the standby), the platform, right after
``start_standby``, opens a report on the standby that holds a lock on a table of its own,
and makes the primary write a statement that conflicts with it (TRUNCATE) followed by a few
megabytes of WAL. Replay then waits at the TRUNCATE until Postgres cancels the report after
``max_standby_streaming_delay`` (a platform setting on the standby's command line, so a
runbook cannot change it): the standby lags by more than the lab allows for about
``STALL_SECONDS``, and only a runbook that waits for catch-up (``wait_for_catchup``) is
caught up when the grader looks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg

if TYPE_CHECKING:
    from labs.engines.postgres.cluster import Instance, OperationalAttempt

LOAD_TABLE = "indexed_report_load"  # created before the learner's base backup, so the standby has it
STALL_SECONDS = 2.0
# Command-line settings of the standby: the conflicting report is cancelled after this delay.
STANDBY_SETTINGS = {"max_standby_streaming_delay": f"{int(STALL_SECONDS * 1000)}ms"}
LOAD_ROWS = 12_000  # ~3 MB of WAL after the conflict: more than the 1 MB lag the lab allows
DEFAULT_CATCHUP_TIMEOUT = 10.0  # seconds wait_for_catchup waits without timeout=
CHECK_RESERVE = 5.0  # seconds of the lab's time limit kept for the checks after the runbook


def create_load_table_sql() -> str:
    return f"CREATE TABLE {LOAD_TABLE} (id integer PRIMARY KEY, report text NOT NULL)"


def hold_replay(attempt: OperationalAttempt, primary: Instance, standby: Instance) -> None:
    """Start a report on the standby and a conflicting write on the primary; replay stalls.

    A standby that takes no connections (hot_standby off) cannot run reports, so nothing is
    held back there (the lab's read-only check judges that answer)."""
    try:
        report = standby.connect(autocommit=False, timeout=max(1.0, min(5.0, attempt.remaining())))
    except psycopg.OperationalError:
        return
    try:
        report.execute(f"SELECT count(*) FROM {LOAD_TABLE}")  # holds AccessShareLock until cancelled
    except psycopg.Error:
        report.close()
        return
    # Kept open until the attempt ends: Postgres cancels it after the stall, closing is ours.
    attempt.notes.setdefault("_open_connections", []).append(report)
    with primary.connect() as conn:
        conn.execute(f"TRUNCATE {LOAD_TABLE}")
        conn.execute(
            f"INSERT INTO {LOAD_TABLE} SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, %s) g",
            [LOAD_ROWS],
        )
    attempt.notes["replay_held"] = {"seconds": STALL_SECONDS, "rows": LOAD_ROWS}


def close_held(attempt: OperationalAttempt) -> None:
    for conn in attempt.notes.pop("_open_connections", []):
        try:
            conn.close()
        except psycopg.Error:
            pass


def catchup_timeout(attempt: OperationalAttempt, asked: Any) -> float:
    """The seconds a wait_for_catchup step may wait: what the runbook asked (or the default),
    bounded by the lab's time limit less what the checks need."""
    wanted = float(asked) if asked is not None else DEFAULT_CATCHUP_TIMEOUT
    return max(0.0, min(wanted, attempt.remaining() - CHECK_RESERVE))
