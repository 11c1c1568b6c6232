"""``replication`` on MariaDB: judge a GTID replica (topology ``replication``) by what the platform
observes on both servers, never by the answer's text.

[[checks]]
type = "replication"
expect = "replicating"       # both replica threads run and use GTID (Using_Gtid is not No)

[[checks]]
type = "replication"
expect = "in_sync"           # rows the platform writes on the primary arrive; tables and GTIDs match
max_lag_seconds = 5

[[checks]]
type = "replication"
expect = "survives_restart"  # the replica is killed, the primary keeps writing, the replica comes
                             # back by itself and catches up: nothing lost, nothing applied twice

[[checks]]
type = "replication"
expect = "least_privilege"   # the account the replica logs in with holds REPLICATION SLAVE only
"""

from __future__ import annotations

import re
import time
from typing import Any

import pymysql

from labs.engines.mariadb.replication import DATABASE, ReplicationAttempt
from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.spec import CheckSpec

EXPECTATIONS = ("replicating", "in_sync", "survives_restart", "least_privilege")
SETTLE_SECONDS = 6.0  # an IO thread retrying a refused login shows "Connecting" for a while


def check(attempt: ReplicationAttempt, check_spec: CheckSpec) -> CheckResult:
    expect = check_spec.params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    function = {
        "replicating": check_replicating,
        "in_sync": check_in_sync,
        "survives_restart": check_survives_restart,
        "least_privilege": check_least_privilege,
    }[expect]
    with attempt.platform_work():
        return function(attempt, check_spec, check_spec.params)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


# -- what the replica says about itself


def slave_status(attempt: ReplicationAttempt) -> list[dict[str, Any]]:
    """Every replication connection of the replica (the default one and named ones)."""
    return attempt.query("replica", "SHOW ALL SLAVES STATUS")


def _running(row: dict[str, Any]) -> bool:
    return row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes"


def _describe(row: dict[str, Any]) -> str:
    name = row.get("Connection_name") or ""
    label = f"connection '{name}'" if name else "the replica"
    errors = []
    for kind in ("IO", "SQL"):
        if row.get(f"Last_{kind}_Error"):
            errors.append(f"{kind} thread error {row.get(f'Last_{kind}_Errno')}: {row[f'Last_{kind}_Error']}")
    state = (
        f"{label} (from {row.get('Master_Host')}:{row.get('Master_Port')} as {row.get('Master_User')!r}, "
        f"Using_Gtid {row.get('Using_Gtid')}): IO thread {row.get('Slave_IO_Running')}, "
        f"SQL thread {row.get('Slave_SQL_Running')}"
    )
    return state + (f"; {'; '.join(errors)}" if errors else "")


def wait_running(attempt: ReplicationAttempt, seconds: float = SETTLE_SECONDS) -> list[dict[str, Any]]:
    """The replica's connections once both threads run, or as they are after ``seconds``. Once
    one check has waited in vain, the next ones look for a second only: nothing will change."""
    if attempt.notes.get("never_ran"):
        seconds = 1.0
    until = time.monotonic() + seconds
    while True:
        rows = slave_status(attempt)
        if any(_running(r) for r in rows):
            return rows
        if time.monotonic() >= until:
            attempt.notes["never_ran"] = True
            return rows
        time.sleep(0.1)


def _not_replicating(rows: list[dict[str, Any]]) -> tuple[str, str]:
    if not rows:
        return (
            "The replica has no replication configured at all (SHOW ALL SLAVES STATUS is empty).",
            "In the -- @replica section: CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, "
            "MASTER_USER=…, MASTER_PASSWORD=…, MASTER_USE_GTID=slave_pos; then START SLAVE.",
        )
    seen = "; ".join(_describe(r) for r in rows)
    text = seen.lower()
    if "1236" in text:
        hint = (
            "The primary cannot serve the position the replica asked for. Set gtid_slave_pos to the GTID the "
            "dump was taken at (provision.backup_position.gtid_pos) before START SLAVE, and use slave_pos."
        )
    elif "1045" in text or "access denied" in text:
        hint = (
            "The replica logs in over TCP from 127.0.0.1: the account must exist for that host ('127.0.0.1' "
            "or '%'; 'localhost' only matches socket logins) with the password given to CHANGE MASTER."
        )
    elif "1007" in text or "1050" in text or "1062" in text:
        hint = (
            "The replica re-applies transactions it already has from the dump: it started from the beginning "
            "of the primary's binary log. Set gtid_slave_pos to the dump's GTID before START SLAVE."
        )
    elif "2002" in text or "2003" in text or "2005" in text:
        hint = "The replica cannot reach that address: the primary listens on 127.0.0.1, port 3306."
    elif "equal" in text and "server id" in text:
        hint = "The replica is pointed at itself: the primary listens on 127.0.0.1 port 3306."
    else:
        hint = "Both threads must say Yes: check the host, port, account and the GTID position, then START SLAVE."
    return f"Expected the replica's IO and SQL threads to run; we see {seen}.", hint


def check_replicating(attempt: ReplicationAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    rows = wait_running(attempt)
    running = [r for r in rows if _running(r)]
    if not running:
        message, hint = _not_replicating(rows)
        return _result(check_spec, False, message, hint, status=_jsonable(rows))
    row = running[0]
    if str(row.get("Using_Gtid", "No")).lower() == "no":
        return _result(
            check_spec,
            False,
            f"The replica replicates, but by binary log file and position ({row.get('Master_Log_File')} at "
            f"{row.get('Exec_Master_Log_Pos')}), not by GTID (Using_Gtid = No): after a failover its position "
            "means nothing on the new primary.",
            "CHANGE MASTER TO … MASTER_USE_GTID=slave_pos, with gtid_slave_pos set to the dump's GTID.",
            status=_jsonable(rows),
        )
    return _result(
        check_spec,
        True,
        f"{_describe(row)[0].upper()}{_describe(row)[1:]}; it has applied up to GTID {row.get('Gtid_Slave_Pos')}.",
        status=_jsonable(rows),
    )


# -- comparing the two servers


def table_states(attempt: ReplicationAttempt, server: str) -> dict[str, Any]:
    conn = attempt.server(server).connect(read_timeout=30)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE' ORDER BY table_name",
                (DATABASE,),
            )
            tables = [r[0] for r in cur.fetchall()]
            out: dict[str, Any] = {}
            for table in tables:
                cur.execute(f"CHECKSUM TABLE `{DATABASE}`.`{table}`")
                checksum = cur.fetchone()[1]
                cur.execute(f"SELECT COUNT(*) FROM `{DATABASE}`.`{table}`")
                out[table] = {"rows": cur.fetchone()[0], "checksum": checksum}
            return out
    finally:
        conn.close()


def heartbeat(attempt: ReplicationAttempt, server: str) -> tuple[set[int], int | None]:
    rows = attempt.query(server, f"SELECT id, beats FROM {DATABASE}.heartbeat")
    counter = next((r["beats"] for r in rows if r["id"] == 1), None)
    return {r["id"] for r in rows if r["id"] != 1}, counter


def compare(attempt: ReplicationAttempt, bound: float) -> tuple[bool, str, dict[str, Any]]:
    """Wait until the replica applied the primary's last GTID (up to ``bound`` s), then compare."""
    primary_pos = attempt.query("primary", "SELECT @@gtid_binlog_pos AS pos")[0]["pos"]
    started = time.monotonic()
    waited = attempt.query("replica", "SELECT MASTER_GTID_WAIT(%s, %s) AS r", (primary_pos, bound))[0]["r"]
    took = time.monotonic() - started
    replica_pos = attempt.query("replica", "SELECT @@gtid_slave_pos AS pos")[0]["pos"]
    mine, theirs = table_states(attempt, "primary"), table_states(attempt, "replica")
    ids_p, counter_p = heartbeat(attempt, "primary")
    try:
        ids_r, counter_r = heartbeat(attempt, "replica")
    except pymysql.MySQLError:
        ids_r, counter_r = set(), None
    facts = {"primary_gtid": primary_pos, "replica_gtid": replica_pos, "primary": mine, "replica": theirs,
             "waited_s": round(took, 3)}  # fmt: skip
    problems = []
    missing, extra = sorted(ids_p - ids_r), sorted(ids_r - ids_p)
    if missing:
        problems.append(
            f"{len(missing)} of the {len(ids_p)} heartbeat rows written on the primary are missing on the replica "
            f"(ids {_ids(missing)})"
        )
    if extra:
        problems.append(f"the replica has heartbeat rows the primary does not (ids {_ids(extra)})")
    if counter_p != counter_r:
        problems.append(f"the heartbeat counter is {counter_p} on the primary and {counter_r} on the replica")
    differ = [t for t in mine if theirs.get(t) != mine[t] and t != "heartbeat"]
    if differ:
        problems.append(
            "tables differ: "
            + ", ".join(f"{t} ({mine[t]['rows']} rows vs {theirs.get(t, {}).get('rows', 'no table')})" for t in differ)
        )
    if waited != 0:
        problems.insert(0, f"the replica did not reach the primary's GTID {primary_pos} within {bound:g} s "
                           f"(it is at {replica_pos or 'nothing'})")  # fmt: skip
    if problems:
        return False, "; ".join(problems), facts
    return (
        True,
        (
            f"the replica reached the primary's GTID {primary_pos} in {took:.2f} s and its {len(mine)} tables "
            f"match the primary's row for row (CHECKSUM TABLE), heartbeat counter {counter_p} on both"
        ),
        facts,
    )


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:8])
    return shown + (f", … {len(ids) - 8} more" if len(ids) > 8 else "")


def check_in_sync(attempt: ReplicationAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    bound = float(params.get("max_lag_seconds", 5))
    rows = wait_running(attempt)
    attempt.beat(3)
    running = any(_running(r) for r in rows)
    ok, story, facts = compare(attempt, bound if running else 1.0)
    if ok:
        return _result(check_spec, True, f"We wrote on the primary; {story}.", **facts)
    status = "" if running else f" {_not_replicating(rows)[0]}"
    return _result(
        check_spec,
        False,
        f"We wrote on the primary and compared both servers: {story}.{status}",
        "Start the replica from the position the dump was taken at (provision.backup_position.gtid_pos): "
        "the primary's current position skips what it wrote after the dump, an empty one replays it all. "
        "Leave out MASTER_DELAY and START SLAVE UNTIL.",
        **facts,
    )


def check_survives_restart(attempt: ReplicationAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    before = wait_running(attempt)
    if not any(_running(r) for r in before):
        message, hint = _not_replicating(before)
        return _result(check_spec, False, f"Replication was not running before the restart. {message}", hint)
    ok, story, _ = compare(attempt, 5.0)
    attempt.server("replica").kill()
    attempt.beat(4)  # the shop keeps selling while the replica is down
    try:
        took = attempt.restart("replica")
    except SandboxError as exc:
        return _result(
            check_spec,
            False,
            f"We killed the replica and it did not start again: {exc}",
            "Nothing in a replication setup should stop a server from starting; report this to us.",
        )
    after = wait_running(attempt)
    if not any(_running(r) for r in after):
        message, hint = _not_replicating(after)
        return _result(
            check_spec,
            False,
            f"We killed the replica (SIGKILL, as a power cut would), wrote 4 more heartbeats on the primary and "
            f"started the replica again ({took:.1f} s); replication did not resume by itself. {message}",
            hint,
            status=_jsonable(after),
        )
    attempt.beat(1)
    ok, story, facts = compare(attempt, float(params.get("max_lag_seconds", 5)))
    what = (
        f"We killed the replica (SIGKILL), wrote 4 heartbeats on the primary while it was down, started it again "
        f"({took:.1f} s) and wrote once more"
    )
    if ok:
        return _result(check_spec, True, f"{what}: replication resumed by itself and {story}.", **facts)
    return _result(
        check_spec,
        False,
        f"{what}: replication resumed, but {story}.",
        "With MASTER_USE_GTID=slave_pos the replica keeps its position in mysql.gtid_slave_pos, in the same "
        "transaction as the change, so a crash neither loses nor repeats a transaction.",
        **facts,
    )


# -- the replication account

_GRANT = re.compile(r"^GRANT (.+?) ON (\S+) TO ", re.S)


def check_least_privilege(attempt: ReplicationAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    users = sorted({r.get("Master_User") for r in slave_status(attempt) if r.get("Master_User")})
    if not users:
        return _result(
            check_spec,
            False,
            "The replica has no replication account configured (no CHANGE MASTER … MASTER_USER).",
            "Create an account on the primary, grant it REPLICATION SLAVE, and give it to CHANGE MASTER.",
        )
    extra: list[str] = []
    found: list[str] = []
    for user in users:
        accounts = attempt.query("primary", "SELECT User AS u, Host AS h FROM mysql.user WHERE User = %s", (user,))
        for account in accounts:
            name = f"'{account['u']}'@'{account['h']}'"
            found.append(name)
            grants = [next(iter(r.values())) for r in attempt.query("primary", f"SHOW GRANTS FOR {name}")]
            for grant in grants:
                match = _GRANT.match(grant)
                if not match:
                    continue
                privileges = {p.strip().upper() for p in match.group(1).split(",")}
                surplus = sorted(privileges - {"USAGE", "REPLICATION SLAVE"})
                if surplus:
                    extra.append(f"{name} holds {', '.join(surplus)} on {match.group(2)}")
                if "WITH GRANT OPTION" in grant.upper():
                    extra.append(f"{name} may grant its privileges on (WITH GRANT OPTION)")
    if not found:
        return _result(
            check_spec,
            False,
            f"The replica logs in as {', '.join(users)}, but no such account exists on the primary.",
            "CREATE USER it on the primary (host '127.0.0.1' or '%') and GRANT REPLICATION SLAVE ON *.* to it.",
        )
    if extra:
        return _result(
            check_spec,
            False,
            f"The replication account can do more than replicate: {'; '.join(extra)}. Its password sits in the "
            "replica's master.info in plain text, so whoever reads that file gets these privileges on the primary.",
            "Grant REPLICATION SLAVE ON *.* and nothing else to the account the replica uses.",
        )
    return _result(
        check_spec, True, f"The replica logs in as {', '.join(found)}, which holds REPLICATION SLAVE and nothing more."
    )


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = ("Connection_name", "Master_Host", "Master_Port", "Master_User", "Slave_IO_Running", "Slave_SQL_Running",
            "Using_Gtid", "Gtid_IO_Pos", "Gtid_Slave_Pos", "Last_IO_Errno", "Last_IO_Error", "Last_SQL_Errno",
            "Last_SQL_Error", "Seconds_Behind_Master")  # fmt: skip
    return [{k: (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in r.items() if k in keep}
            for r in rows]  # fmt: skip
