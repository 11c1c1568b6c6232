"""``galera``: judge a three-node Galera cluster by what the platform observes.

[[checks]]
type = "galera"
expect = "hot_row"           # writers on two nodes run the answer's increment at once: none fails,
nodes = ["node1", "node2"]   # none is lost or counted twice, all three nodes agree
writers_per_node = 2
calls = 50
account = 1
writers_seconds = 12         # all purchases together; calls not done by then count as failed
max_failed = 1               # purchases that may reach the client as an error (default 0): see below

[[checks]]
type = "galera"
expect = "quorum"            # node2 and node3 are killed: node1 must refuse writes (no quorum),
                             # then, after the answer's -- @lost_two_nodes steps, take them again
                             # with every acknowledged write still there. Destructive: put it last.
recovery_seconds = 8         # how long node1 has to become Primary and take a write after the steps
"""

from __future__ import annotations

import time
from typing import Any

import pymysql

from labs.engines.galera.attempt import LEFT_OPEN, OUT_OF_TIME, WRITERS_BUDGET_S, GaleraAttempt, WriterTally
from labs.engines.galera.cluster import NODES
from labs.engines.mariadb.sql import describe_error
from labs.result import CheckResult
from labs.spec import CheckSpec

EXPECTATIONS = ("hot_row", "quorum")
QUORUM_LOSS_TIMEOUT = 20.0
RECOVERY_TIMEOUT = 8.0


def check(attempt: GaleraAttempt, check_spec: CheckSpec) -> CheckResult:
    expect = check_spec.params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    function = check_hot_row if expect == "hot_row" else check_quorum
    return function(attempt, check_spec, check_spec.params)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def check_hot_row(attempt: GaleraAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    nodes = tuple(params.get("nodes", ["node1", "node2"]))
    per_node, calls, account = (
        int(params.get("writers_per_node", 2)),
        int(params.get("calls", 50)),
        int(params.get("account", 1)),
    )
    with attempt.platform_work():
        before = attempt.value("node1", account)
    budget = float(params.get("writers_seconds", WRITERS_BUDGET_S))
    tallies = attempt.drive_writers(nodes, per_node, calls, account, budget=budget)
    with attempt.platform_work():
        seen = {node: attempt.value(node, account) for node in NODES}
    ok, failed = sum(t.ok for t in tallies), sum(t.failed for t in tallies)
    added = sum(t.added for t in tallies)
    expected = (before or 0) + added
    after = seen["node1"]
    scene = (
        f"{len(tallies)} writers ({per_node} on each of {', '.join(nodes)}) ran your increment {calls} times each "
        f"on account {account}: {ok} acknowledged, {failed} failed"
    )
    facts = {"before": before, "after": seen, "acknowledged": ok, "failed": failed, "added": added,
             "errors": _errors(tallies)}  # fmt: skip
    problems = []
    # A retrying procedure can, rarely, still hand one conflict back to its client: measured here,
    # 2 of 60 grades of right answers saw exactly 1 of 200 purchases fail (a conflict landing
    # while the handler ran), while answers that retry once or not at all saw 13 to 43. A lab
    # may allow that one as an error the client was told about; lost or doubled points never.
    allowed = int(params.get("max_failed", 0))
    if failed > allowed:
        limit = f"; at most {allowed} may" if allowed else ""
        problems.append(f"{failed} purchases failed{limit} ({_describe_errors(tallies)})")
    if after is not None and after != expected:
        drift = expected - after
        problems.append(
            f"account {account} holds {after} points where the acknowledged purchases add up to {expected} "
            f"({before} + {added}): {abs(drift)} points " + ("lost" if drift > 0 else "counted twice")
        )
    if len(set(seen.values())) > 1:
        problems.append("the nodes disagree: " + ", ".join(f"{n} {v}" for n, v in seen.items()))
    if not problems:
        return _result(
            check_spec,
            True,
            f"{scene}; account {account} went from {before} to {after}, exactly the {added} points acknowledged, "
            "on all three nodes.",
            **facts,
        )
    return _result(check_spec, False, f"{scene}; " + "; ".join(problems) + ".", _hot_row_hint(tallies), **facts)


def _errors(tallies: list[WriterTally]) -> dict[str, int]:
    total: dict[str, int] = {}
    for tally in tallies:
        for number, count in tally.errors.items():
            total[str(number)] = total.get(str(number), 0) + count
    return total


def _describe_errors(tallies: list[WriterTally]) -> str:
    first = next((t.first_error for t in tallies if t.first_error), "")
    labels = {LEFT_OPEN: "left the transaction open", OUT_OF_TIME: "not run in time"}
    counts = ", ".join(
        f"{count} × {labels.get(number, f'error {number}')}" for number, count in _errors(tallies).items()
    )
    return f"{counts}; first: {first}" if first else counts


def _hot_row_hint(tallies: list[WriterTally]) -> str:
    errors = _errors(tallies)
    if "1213" in errors:
        return (
            "Galera certifies a transaction at COMMIT against what the other nodes committed first; the loser gets "
            "error 1213 (deadlock) and must run the whole transaction again. Retry in a procedure: a handler for "
            "1213 that rolls back and loops, capped at a generous number of tries."
        )
    if OUT_OF_TIME in errors:
        return (
            "Each purchase must finish quickly: pause only after a conflict, briefly, and give up after a "
            "bounded number of tries."
        )
    if LEFT_OPEN in errors:
        return "End the increment's transaction with COMMIT."
    if errors:
        return "Run the increment by hand on one node first: it must succeed on its own."
    return (
        "Add to the stored value in the UPDATE itself (points = points + @amount): a value read first and written "
        "back later overwrites what another session added in between."
    )


def check_quorum(attempt: GaleraAttempt, check_spec: CheckSpec, params: dict[str, Any]) -> CheckResult:
    assert attempt.cluster is not None
    cluster = attempt.cluster
    with attempt.platform_work():
        acknowledged = attempt.value("node1", 1)
        for node in ("node2", "node3"):
            cluster.kill(node)
        killed = time.monotonic()
        status = _wait_status(attempt, lambda s: s != "Primary", QUORUM_LOSS_TIMEOUT)
        lost_after = time.monotonic() - killed
        refused = _try_write(attempt)
    story = (
        f"We killed node2 and node3 (SIGKILL); {lost_after:.1f} s later node1 reported wsrep_cluster_status "
        f"{status} and " + (f"refused a write ({refused})" if refused else "still accepted a write")
    )
    steps = attempt.run_recovery()
    done = "; then ran your steps: " + ("; ".join(steps) if steps else "none")
    recovery = float(params.get("recovery_seconds", RECOVERY_TIMEOUT))
    with attempt.platform_work():
        until = time.monotonic() + recovery
        status = _wait_status(attempt, lambda s: s == "Primary", recovery)
        error = _try_write(attempt, until)
        current = attempt.value("node1", 1) if not error else None
    facts = {"steps": steps, "status_after": status, "acknowledged_points": acknowledged}
    if status != "Primary" or error:
        return _result(
            check_spec,
            False,
            f"{story}{done}. Node1 did not take writes again within {recovery:g} s: wsrep_cluster_status {status}"
            + (f", a write failed with {error}" if error else "")
            + ".",
            "Alone, node1 holds 1 of 3 votes, no majority, so it refuses writes to avoid a split brain. Once you "
            "know the other two are down, make it a primary component of its own: SET GLOBAL "
            "wsrep_provider_options = 'pc.bootstrap=YES'.",
            **facts,
        )
    if current != acknowledged:
        return _result(
            check_spec,
            False,
            f"{story}{done}. Node1 takes writes again, but account 1 holds {current} points where {acknowledged} "
            "were acknowledged before the two nodes died.",
            "Bootstrap the surviving node as it is; do not rebuild it from an older state.",
            **facts,
        )
    return _result(
        check_spec,
        True,
        f"{story}{done}. Node1 became a primary component again and took a write; all {acknowledged} points "
        "acknowledged before the loss are there.",
        **facts,
    )


def _status(attempt: GaleraAttempt) -> str:
    assert attempt.cluster is not None
    try:
        return attempt.cluster.status("node1").get("wsrep_cluster_status", "?")
    except pymysql.MySQLError as exc:
        return f"unreachable ({describe_error(exc)[1]})"


def _wait_status(attempt: GaleraAttempt, wanted: Any, timeout: float) -> str:
    until = time.monotonic() + timeout
    while True:
        status = _status(attempt)
        if wanted(status) or time.monotonic() >= until:
            return status
        time.sleep(0.1)


def _try_write(attempt: GaleraAttempt, until: float | None = None) -> str:
    """'' when a platform write on node1 succeeds, else the error (retried until ``until``)."""
    while True:
        try:
            conn = attempt.admin("node1")
            try:
                with conn.cursor() as cur:
                    cur.execute("UPDATE accounts SET points = points + 1 WHERE id = 2")
            finally:
                conn.close()
            return ""
        except pymysql.MySQLError as exc:
            number, message, _ = describe_error(exc)
            error = f"error {number}: {message}"
        if until is None or time.monotonic() >= until:
            return error
        time.sleep(0.2)
