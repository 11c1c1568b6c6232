"""``replication``: judge a streaming standby (topology ``standby``).

[[checks]]
type = "replication"
expect = "streaming"        # the primary streams to a standby (pg_stat_replication); reports lag
max_lag_bytes = 1048576     # optional: replay may trail the primary by at most this much

[[checks]]
type = "replication"
expect = "receives_writes"  # a row written on the primary is visible on the standby in time
max_lag_seconds = 2

[[checks]]
type = "replication"
expect = "read_only"        # the standby serves reads and refuses writes

[[checks]]
type = "replication"
expect = "slot_active"      # a physical replication slot exists and the standby streams through it
slot = "standby1"           # optional: this slot in particular

Synchronous replication, judged under the primary's own settings (the runbook's
synchronous_standby_names / synchronous_commit; the probes never override them), in
``labs.checks.replication_sync``:

expect = "read_your_writes"            # write on the primary, read on the standby at once, N times
writes = 200                           # optional; max_stale = 0 (optional) stale reads allowed
expect = "commits_not_held_by_replay"  # with replay paused on the standby, commits still return fast
expect = "commits_wait_for_standby"    # with the standby gone, a commit is not acknowledged
                                       # (stops the standby: put it last)
expect = "delayed"                     # a delayed standby: receives WAL at once, applies it late
min_delay_seconds = 1800               # its recovery_min_apply_delay, read from the server
probe_seconds = 2                      # a fresh commit must stay invisible this long
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import psycopg

from labs.checks import replication_sync as sync_checks
from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_cluster import PROBE_TABLE, OperationalAttempt
from labs.spec import CheckSpec

# Every parameter the family reads (labs.contract lints lab.toml against it); the synchronous
# replication ones are read in labs.checks.replication_sync.
KNOWN_PARAMS = (
    "expect",
    "max_lag_bytes",
    "max_lag_seconds",
    "slot",
    "writes",
    "max_stale",
    "min_writes",
    "seconds",
    "filler_rows",
    "commits",
    "max_commit_seconds",
    "wait_seconds",
    "min_delay_seconds",
    "probe_seconds",
)
EXPECTATIONS = (
    "streaming",
    "receives_writes",
    "read_only",
    "slot_active",
    "read_your_writes",
    "commits_not_held_by_replay",
    "commits_wait_for_standby",
    "delayed",
)


def check(attempt: OperationalAttempt, check_spec: CheckSpec) -> CheckResult:
    expect = check_spec.params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    function = {
        "streaming": check_streaming,
        "receives_writes": check_receives_writes,
        "read_only": check_read_only,
        "slot_active": check_slot_active,
        "read_your_writes": sync_checks.check_read_your_writes,
        "commits_not_held_by_replay": sync_checks.check_commits_not_held_by_replay,
        "commits_wait_for_standby": sync_checks.check_commits_wait_for_standby,
        "delayed": sync_checks.check_delayed,
    }[expect]
    return function(attempt, check_spec, check_spec.params)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def standby_state(attempt: OperationalAttempt) -> str:
    """Why a standby may be missing from the primary's view, in a learner's words."""
    standby = attempt.server("standby")
    if standby is None or not standby.running():
        return "the standby is not running"
    if attempt.notes.get("standby_promoted"):
        return "the standby was promoted: it is a primary of its own now and no longer follows"
    settings = attempt.notes.get("standby_settings", {})
    if (
        settings.get("primary_slot_name")
        and attempt.notes.get("backup_slot") is None
        and not _slot_exists(attempt, settings["primary_slot_name"])
    ):
        return f"its primary_slot_name {settings['primary_slot_name']} does not exist on the primary"
    return "the standby runs but is not connected to the primary"


def _slot_exists(attempt: OperationalAttempt, slot: str) -> bool:
    with attempt.connect("primary") as conn:
        return bool(conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", [slot]).fetchone())


def replication_rows(attempt: OperationalAttempt) -> list[dict[str, Any]]:
    with attempt.connect("primary") as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(
            "SELECT pid, application_name, state, sent_lsn::text, write_lsn::text, flush_lsn::text, "
            "replay_lsn::text, extract(epoch FROM replay_lag)::float AS replay_lag_s, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS replay_behind_bytes, sync_state "
            "FROM pg_stat_replication ORDER BY pid"
        ).fetchall()


def check_streaming(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    rows = replication_rows(attempt)
    streaming = [r for r in rows if r["state"] == "streaming"]
    if not streaming:
        seen = ", ".join(f"{r['application_name']} in state {r['state']}" for r in rows) or "no standby at all"
        return _result(
            check_spec,
            False,
            f"Expected the primary to stream WAL to a standby; pg_stat_replication "
            f"shows {seen}: {standby_state(attempt)}.",
            "take_base_backup writes primary_conninfo for you; then start_standby, and do not promote it.",
            replication=rows,
        )
    row = streaming[0]
    behind = _replay_behind_bytes(attempt, row["replay_behind_bytes"])
    lag = row["replay_lag_s"]
    lag_text = f"replay lag {lag:.3f} s" if lag is not None else "no replay lag measured yet (idle)"
    limit = params.get("max_lag_bytes")
    if limit is not None and behind is not None and behind > int(limit):
        return _result(
            check_spec,
            False,
            f"The standby streams, but its replay is {behind} bytes behind the primary "
            f"(allowed {int(limit)}); {lag_text}.",
            "Replay was still behind when the grader looked: reports on the standby can hold replay "
            "back for a while, so end the runbook with wait_for_catchup (and leave out anything that "
            "delays replay on purpose, such as recovery_min_apply_delay).",
            replication=rows,
        )
    return _result(
        check_spec,
        True,
        f"The primary streams to {row['application_name']} (state streaming, "
        f"{row['sync_state']}); it is {behind or 0} bytes behind in replay, {lag_text}.",
        replication=rows,
    )


def _replay_behind_bytes(attempt: OperationalAttempt, reported: int | None) -> int | None:
    """How far replay trails the primary, from the standby's own replay position: the
    primary's pg_stat_replication is only as fresh as the standby's last status message
    (up to wal_receiver_status_interval old), so it can show a caught-up standby as behind."""
    try:
        with attempt.connect("standby") as conn:
            replayed = conn.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()[0]
        with attempt.connect("primary") as conn:
            return int(conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [replayed]).fetchone()[0])
    except (psycopg.Error, SandboxError, TypeError):  # hot_standby off: the primary's view is all there is
        return reported


def check_receives_writes(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    bound = float(params.get("max_lag_seconds", 2))
    token = secrets.token_hex(8)
    with attempt.connect("primary") as primary:
        # remote_apply asks the standby to report as soon as it applied the commit, so the
        # primary's replay_lsn is fresh even without synchronous_standby_names (it does not wait).
        with primary.transaction():
            primary.execute("SET LOCAL synchronous_commit = remote_apply")
            primary.execute(f"INSERT INTO {PROBE_TABLE} (token) VALUES (%s)", [token])
        written_at = time.monotonic()
        lsn = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    standby = attempt.server("standby")
    if standby is None or not standby.running():
        return _result(
            check_spec,
            False,
            f"Wrote a row on the primary; {standby_state(attempt)}, so nothing can receive it.",
            "start_standby after take_base_backup.",
        )
    until = written_at + bound
    try:
        with attempt.connect("standby") as conn:
            how = "read it back on the standby"
            seen = _poll(
                lambda: conn.execute(f"SELECT 1 FROM {PROBE_TABLE} WHERE token = %s", [token]).fetchone(), until
            )
    except (psycopg.OperationalError, SandboxError):
        # hot_standby = off: the standby takes no connections; judge by the replay position it reports.
        how = "saw the standby report replaying it (it accepts no connections to read it back)"
        with attempt.connect("primary") as conn:
            seen = _poll(
                lambda: conn.execute("SELECT max(replay_lsn) >= %s::pg_lsn FROM pg_stat_replication", [lsn]).fetchone()[
                    0
                ],
                until,
            )
    took = time.monotonic() - written_at
    if seen:
        return _result(
            check_spec,
            True,
            f"A row written on the primary reached the standby in {took:.2f} s (allowed {bound:g} s): we {how}.",
            lag_seconds=round(took, 3),
        )
    delay = attempt.notes.get("standby_settings", {}).get("recovery_min_apply_delay")
    advice = (
        f"recovery_min_apply_delay = {delay} holds every commit back on purpose."
        if delay
        else f"{standby_state(attempt)}."
    )
    return _result(
        check_spec,
        False,
        f"A row written on the primary had not appeared on the standby after {bound:g} s "
        f"(the lab allows {bound:g} s): {advice}",
        "A standby that streams from the primary applies a commit within milliseconds; remove anything "
        "that delays or blocks replay.",
        lag_seconds=None,
        primary_lsn=lsn,
    )


def _poll(probe: Any, until: float) -> bool:
    while True:
        if probe():
            return True
        if time.monotonic() >= until:
            return False
        time.sleep(0.01)


def check_read_only(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    standby = attempt.server("standby")
    if standby is None or not standby.running():
        return _result(
            check_spec,
            False,
            f"Expected a standby that refuses writes; {standby_state(attempt)}.",
            "start_standby after take_base_backup.",
        )
    try:
        conn = attempt.connect("standby")
    except (psycopg.OperationalError, SandboxError) as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "connection refused"
        return _result(
            check_spec,
            False,
            "Expected a hot standby that serves reads and refuses writes; it accepts "
            f"no connections at all ({reason}).",
            "hot_standby must stay on for the standby to answer read-only queries.",
        )
    with conn:
        try:
            conn.execute(f"INSERT INTO {PROBE_TABLE} (token) VALUES ('written on the standby')")
        except psycopg.errors.ReadOnlySqlTransaction as exc:
            return _result(
                check_spec, True, f"The standby refused a write as expected ({str(exc).strip()}) and serves reads."
            )
    return _result(
        check_spec,
        False,
        "The standby accepted a write: it is not in recovery any more, so it no longer "
        "follows the primary and the two now diverge.",
        "Do not promote the standby unless the lab asks for a failover.",
    )


def check_slot_active(attempt: OperationalAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    wanted = params.get("slot")
    with attempt.connect("primary") as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        slots = cur.execute(
            "SELECT slot_name, slot_type, active, active_pid, restart_lsn::text, wal_status "
            "FROM pg_replication_slots ORDER BY slot_name"
        ).fetchall()
    physical = [s for s in slots if s["slot_type"] == "physical"]
    if wanted:
        physical = [s for s in physical if s["slot_name"] == wanted]
    if not physical:
        name = f"named {wanted}" if wanted else "at all"
        return _result(
            check_spec,
            False,
            f"Expected a physical replication slot {name} on the primary; it has none. "
            "Without a slot the primary may recycle WAL the standby still needs, and a "
            "standby that falls behind can never catch up.",
            f"create_replication_slot {wanted or 'standby1'}, then take_base_backup "
            f"slot={wanted or 'standby1'} (or set primary_slot_name).",
            slots=slots,
        )
    active = [s for s in physical if s["active"]]
    if not active:
        names = ", ".join(s["slot_name"] for s in physical)
        return _result(
            check_spec,
            False,
            f"Slot {names} exists but no standby streams through it (active = false): "
            "it holds WAL back on the primary for nobody, and the standby runs "
            "without the protection the slot gives.",
            f"Tell the standby to use it: take_base_backup slot={physical[0]['slot_name']} or set "
            f"primary_slot_name '{physical[0]['slot_name']}'.",
            slots=slots,
        )
    slot = active[0]
    return _result(
        check_spec,
        True,
        f"The standby streams through slot {slot['slot_name']} (active, WAL status "
        f"{slot['wal_status']}, restart LSN {slot['restart_lsn']}).",
        slots=slots,
    )
