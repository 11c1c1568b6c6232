"""Synchronous replication judged by behaviour (part of the ``replication`` check family).

Every probe commits on the primary through a platform connection that keeps the server's
``synchronous_commit`` (the runbook's choice, never overridden here), and guards each commit
with a timer: a commit still waiting for a standby after ``limit`` seconds is cancelled, which
releases it (Postgres then warns *canceling wait for synchronous replication*; the
transaction has committed locally). statement_timeout cannot do this: Postgres switches it
off before the commit waits.

* ``read_your_writes``: write a row, then at once read it on the standby, ``writes`` times;
  a read that misses the row is stale. ``synchronous_commit = remote_apply`` with the
  standby named in ``synchronous_standby_names`` makes every commit wait for replay: 0 stale.
* ``commits_not_held_by_replay``: pause replay on the standby (as a long report's conflict
  does) and commit a few rows: each must return quickly.
* ``delayed``: a delayed standby (recovery_min_apply_delay, read from the server, at least
  ``min_delay_seconds``) receives a fresh commit at once but does not show it for
  ``probe_seconds``, and still answers read-only queries.
* ``commits_wait_for_standby``: stop the standby and commit: the commit must not be
  acknowledged (it is still waiting when the timer releases it). It stops the standby, so a
  lab puts this check last.
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from typing import TYPE_CHECKING, Any

import psycopg

from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_cluster import PROBE_TABLE, OperationalAttempt

if TYPE_CHECKING:
    from labs.spec import CheckSpec

FILLER_TABLE = "indexed_sync_filler"  # WAL written with each read-your-writes probe row
FILLER_ROWS = 100
COMMIT_LIMIT = 2.0  # seconds a probe commit may wait before the platform releases it


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def timed_commit(conn: psycopg.Connection, token: str, limit: float, filler: int = 0) -> tuple[float, bool]:
    """Commit one probe row (with ``filler`` more rows of WAL in the same transaction, written
    before it, so replay has real work to do between flushing the WAL and reaching the commit);
    (seconds it took, whether it was still waiting for a standby after ``limit`` seconds and had
    to be released)."""
    released: list[str] = []

    def on_notice(diag: psycopg.errors.Diagnostic) -> None:
        if "synchronous replication" in (diag.message_primary or ""):
            released.append(diag.message_primary or "")

    conn.add_notice_handler(on_notice)
    timer = threading.Timer(limit, conn.cancel)
    started = time.monotonic()
    timer.start()
    try:
        if filler:
            with conn.transaction():
                conn.execute(
                    f"INSERT INTO {FILLER_TABLE} SELECT g, repeat(%s, 4) FROM generate_series(1, %s) g",
                    [token, filler],
                )
                conn.execute(f"INSERT INTO {PROBE_TABLE} (token) VALUES (%s)", [token])
        else:
            conn.execute(f"INSERT INTO {PROBE_TABLE} (token) VALUES (%s)", [token])
    except psycopg.errors.QueryCanceled:  # the cancel landed before the commit began to wait
        released.append("cancelled")
    finally:
        timer.cancel()
        conn.remove_notice_handler(on_notice)
    return time.monotonic() - started, bool(released)


def on_standby(conn: psycopg.Connection, query: str, params: list[Any] | None = None) -> Any:
    """One row from the standby, retried when replay cancels the query (a recovery conflict,
    SQLSTATE 40001: vacuum or a TRUNCATE on the primary removed what its snapshot needed)."""
    for attempt_number in range(20):
        try:
            return conn.execute(query, params).fetchone()
        except psycopg.errors.SerializationFailure:
            if attempt_number == 19:
                raise
            time.sleep(0.02)
    return None


def sync_state(attempt: OperationalAttempt) -> dict[str, Any]:
    """The primary's settings and what pg_stat_replication says about each standby."""
    with attempt.connect("primary") as conn:
        names = conn.execute("SHOW synchronous_standby_names").fetchone()[0]
        commit = conn.execute("SHOW synchronous_commit").fetchone()[0]
        standbys = conn.execute(
            "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY pid"
        ).fetchall()
    return {
        "synchronous_standby_names": names,
        "synchronous_commit": commit,
        "standbys": [{"application_name": a, "state": s, "sync_state": y} for a, s, y in standbys],
    }


def describe(state: dict[str, Any]) -> str:
    names = state["synchronous_standby_names"]
    standbys = ", ".join(f"{s['application_name']} ({s['sync_state']})" for s in state["standbys"]) or "none"
    return (
        f"synchronous_commit = {state['synchronous_commit']}, synchronous_standby_names = "
        f"'{names}'; connected standbys: {standbys}"
    )


def _no_match(state: dict[str, Any]) -> bool:
    return bool(state["synchronous_standby_names"]) and not any(
        s["sync_state"] in ("sync", "quorum") for s in state["standbys"]
    )


def _stalled(check_spec: CheckSpec, state: dict[str, Any], waited: float, what: str) -> CheckResult:
    if _no_match(state):
        names = ", ".join(s["application_name"] for s in state["standbys"]) or "no standby at all"
        why = (
            f"no connected standby matches synchronous_standby_names '{state['synchronous_standby_names']}' "
            f"(pg_stat_replication shows {names}), so every commit waits for a standby that is not there"
        )
        hint = "Name the standby as pg_stat_replication.application_name shows it, or use '*' or ANY 1 (...)."
    else:
        why = describe(state)
        hint = "remote_apply makes each commit wait until the standby has replayed it."
    return _result(
        check_spec,
        False,
        f"{what}: a commit on the primary was still waiting after {waited:.1f} s and the grader had to "
        f"release it; {why}.",
        hint,
        sync=state,
    )


def check_read_your_writes(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    writes, allowed = int(params.get("writes", 200)), int(params.get("max_stale", 0))
    standby = attempt.server("standby")
    state = sync_state(attempt)
    if standby is None or not standby.running():
        return _result(check_spec, False, "Expected a standby to read from; it is not running.", "start_standby.")
    stale, took = 0, []
    first_stale: int | None = None
    started_at = time.monotonic()
    # a time budget, so slow commits (an apply delay under remote_apply, a loaded machine) never
    # run the attempt past its limit; enough writes within it are judged as they are
    until = time.monotonic() + min(float(params.get("seconds", 20)), max(5.0, attempt.remaining() - 2))
    enough = min(writes, int(params.get("min_writes", 200)))
    filler = int(params.get("filler_rows", FILLER_ROWS))
    with attempt.connect("primary") as conn, conn.transaction():
        # local: the platform's own set-up never waits for a standby the runbook may have misnamed
        conn.execute("SET LOCAL synchronous_commit = local")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {FILLER_TABLE} (n int, pad text)")
    done = 0
    try:
        with attempt.connect("primary") as primary, attempt.connect("standby") as replica:
            for number in range(writes):
                if time.monotonic() > until:
                    if number >= enough:
                        break
                    median_ms = statistics.median(took) * 1000 if took else 0.0
                    delay = attempt.notes.get("standby_settings", {}).get("recovery_min_apply_delay")
                    return _result(
                        check_spec,
                        False,
                        f"Only {number} of {writes} writes fit in the grader's {until - started_at:.0f} s: each "
                        f"commit took {median_ms:.0f} ms (median); {describe(state)}.",
                        f"recovery_min_apply_delay = {delay} holds every remote_apply commit back for the whole "
                        "delay: leave it out."
                        if delay
                        else "Commits should take milliseconds: look for what holds replay back on the standby.",
                        sync=state,
                    )
                done = number + 1
                token = secrets.token_hex(8)
                seconds, released = timed_commit(primary, token, COMMIT_LIMIT, filler)
                if released:
                    return _stalled(check_spec, state, seconds, "Writing and reading back")
                took.append(seconds)
                if not on_standby(replica, f"SELECT 1 FROM {PROBE_TABLE} WHERE token = %s", [token]):
                    stale += 1
                    first_stale = number + 1 if first_stale is None else first_stale
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "connection refused"
        return _result(
            check_spec,
            False,
            f"Could not read on the standby ({reason}).",
            "hot_standby must stay on: the reads go to the standby.",
            sync=state,
        )
    median_ms = statistics.median(took) * 1000
    summary = (
        f"{done} rows written on the primary, each read on the standby as soon as its commit returned: "
        f"{stale} stale read{'s' if stale != 1 else ''} (allowed {allowed}); median commit {median_ms:.1f} ms. "
        f"The primary had {describe(state)}."
    )
    artifacts = {"writes": done, "stale_reads": stale, "median_commit_ms": round(median_ms, 2), "sync": state}
    if stale <= allowed:
        return _result(check_spec, True, summary, **artifacts)
    if not state["synchronous_standby_names"]:
        hint = (
            "With synchronous_standby_names empty, replication is asynchronous: the primary acknowledges a "
            "commit before the standby has even received it, whatever synchronous_commit says."
        )
    elif state["synchronous_commit"] != "remote_apply":
        hint = (
            f"synchronous_commit = {state['synchronous_commit']} waits at most until the standby has "
            "written or flushed the WAL; the row becomes visible only once it is replayed."
        )
    else:
        hint = "Every commit should wait for replay on the standby; check that the standby is the synchronous one."
    summary += f" The first stale read came at write {first_stale}."
    return _result(check_spec, False, summary, hint, **artifacts)


def check_commits_not_held_by_replay(
    attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]
) -> CheckResult:
    commits, limit = int(params.get("commits", 5)), float(params.get("max_commit_seconds", 1.0))
    state = sync_state(attempt)
    standby = attempt.server("standby")
    if standby is None or not standby.running():
        return _result(check_spec, False, "Expected a running standby; it is not running.", "start_standby.")
    took: list[float] = []
    with attempt.connect("standby") as replica:
        on_standby(replica, "SELECT pg_wal_replay_pause()")
        until = time.monotonic() + 3
        while on_standby(replica, "SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
            if time.monotonic() > until:
                break
            time.sleep(0.01)
        try:
            with attempt.connect("primary") as primary:
                for _ in range(commits):
                    seconds, released = timed_commit(primary, secrets.token_hex(8), COMMIT_LIMIT)
                    if released:
                        return _stalled(check_spec, state, seconds, "While a report paused replay on the standby")
                    took.append(seconds)
        finally:
            on_standby(replica, "SELECT pg_wal_replay_resume()")
    slowest = max(took)
    message = (
        f"With replay paused on the standby, {commits} commits on the primary returned in at most "
        f"{slowest * 1000:.0f} ms (allowed {limit:g} s); {describe(state)}."
    )
    if slowest > limit:
        return _result(check_spec, False, message, "Commits should not wait for replay.", sync=state)
    return _result(check_spec, True, message, sync=state, slowest_commit_ms=round(slowest * 1000, 1))


def check_commits_wait_for_standby(
    attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]
) -> CheckResult:
    wait = float(params.get("wait_seconds", COMMIT_LIMIT))
    state = sync_state(attempt)
    standby = attempt.server("standby")
    if standby is None or not standby.running():
        return _result(check_spec, False, "Expected a running standby; it is not running.", "start_standby.")
    synchronous = [s for s in state["standbys"] if s["sync_state"] in ("sync", "quorum")]
    assert attempt.cluster is not None
    attempt.cluster.stop(standby)  # the standby's server is lost
    attempt.notes["standby_stopped_by_check"] = True
    with attempt.connect("primary") as primary:
        seconds, released = timed_commit(primary, secrets.token_hex(8), wait)
    if released:
        return _result(
            check_spec,
            True,
            f"With the standby gone, a commit on the primary was not acknowledged: it was still waiting "
            f"after {seconds:.1f} s (the grader then released it). Before the loss: {describe(state)}.",
            sync=state,
        )
    if not state["synchronous_standby_names"]:
        why = "synchronous_standby_names is empty, so replication is asynchronous"
    elif state["synchronous_commit"] in ("off", "local"):
        why = f"synchronous_commit = {state['synchronous_commit']} does not wait for any standby"
    elif not synchronous:
        why = "no standby was synchronous"
    else:
        why = describe(state)
    return _result(
        check_spec,
        False,
        f"With the standby gone, the primary acknowledged a commit after {seconds * 1000:.0f} ms: {why}. "
        "Had the primary's disk failed next, that acknowledged commit would have been lost.",
        "Name the standby in synchronous_standby_names and keep synchronous_commit at on (or remote_write).",
        sync=state,
    )


def check_delayed(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    wanted = float(params.get("min_delay_seconds", 3600))
    probe = float(params.get("probe_seconds", 2))
    standby = attempt.server("standby")
    if standby is None or not standby.running():
        return _result(check_spec, False, "Expected a delayed standby; it is not running.", "start_standby.")
    if attempt.notes.get("standby_promoted"):
        return _result(
            check_spec,
            False,
            "The standby was promoted: it no longer follows the primary, delayed or not.",
            "A delayed standby stays in recovery; do not promote it.",
        )
    try:
        replica = attempt.connect("standby")
    except (psycopg.OperationalError, SandboxError):
        return _result(
            check_spec,
            False,
            "The standby accepts no connections: with hot_standby off you could not read the lost table from it.",
            "Keep hot_standby on: during an incident you pause replay and read the table on the delayed standby.",
        )
    state = sync_state(attempt)
    with replica:
        delay_ms = int(
            on_standby(replica, "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'")[0]
        )
        with attempt.connect("primary") as primary:
            token = secrets.token_hex(8)
            seconds, released = timed_commit(primary, token, COMMIT_LIMIT)
            lsn = primary.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()[0]
        if released:
            return _result(
                check_spec,
                False,
                f"A commit on the primary was still waiting after {seconds:.1f} s: {describe(state)}. Every "
                "commit waits for the delay when a delayed standby is synchronous under remote_apply.",
                "A delayed standby must never be the synchronous standby of remote_apply commits.",
                sync=state,
            )
        started, received, shown_after = time.monotonic(), None, None
        while time.monotonic() - started < probe:
            if received is None and on_standby(replica, "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn])[0]:
                received = time.monotonic() - started
            if on_standby(replica, f"SELECT 1 FROM {PROBE_TABLE} WHERE token = %s", [token]):
                shown_after = time.monotonic() - started
                break
            time.sleep(0.05)
    artifacts = {"delay_ms": delay_ms, "received_after_s": received, "visible_after_s": shown_after}
    if shown_after is not None:
        return _result(
            check_spec,
            False,
            f"A row committed on the primary was visible on the standby after {shown_after:.2f} s: it applies "
            f"commits at once (recovery_min_apply_delay = {delay_ms} ms), so a bad DROP would reach it just as fast.",
            "recovery_min_apply_delay on the standby holds each commit back until the standby's clock is that far "
            "past the commit's timestamp.",
            **artifacts,
        )
    if received is None:
        return _result(
            check_spec,
            False,
            f"The standby had not even received a fresh commit's WAL after {probe:g} s: it is not streaming "
            "from the primary.",
            "A delayed standby still receives WAL at once; only applying it waits.",
            **artifacts,
        )
    if delay_ms == 0:
        return _result(
            check_spec,
            False,
            f"The standby received a fresh commit's WAL after {received:.2f} s and applies it without waiting "
            "(recovery_min_apply_delay = 0 ms): replay was merely slow this time, and a bad DROP would reach it "
            "as soon as replay catches up.",
            "Set recovery_min_apply_delay on the standby so it holds each commit back, e.g. '1h'.",
            **artifacts,
        )
    if delay_ms < wanted * 1000:
        return _result(
            check_spec,
            False,
            f"The standby receives WAL at once and holds commits back, but only for {delay_ms / 1000:g} s "
            f"(recovery_min_apply_delay); the lab asks for at least {wanted:g} s.",
            "The delay must be longer than the time it takes to notice a mistake and react.",
            **artifacts,
        )
    return _result(
        check_spec,
        True,
        f"The standby received a fresh commit's WAL after {received:.2f} s and still did not show the row "
        f"{probe:g} s later: it applies commits {delay_ms / 60000:g} minutes late (recovery_min_apply_delay).",
        **artifacts,
    )
