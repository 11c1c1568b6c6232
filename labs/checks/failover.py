"""``failover``: judge a Patroni failover drill (engine ``patroni``, topology ``cluster``).

Every expectation but ``consistent_timeouts`` reads the one drill the attempt runs (a write
load through HAProxy, the leader's node killed; see ``labs.engines.patroni.drill``)::

    [[checks]]
    type = "failover"
    expect = "serves_writes"        # before the failure every write through HAProxy succeeds

    [[checks]]
    type = "failover"
    expect = "synchronous"          # before the failure a member is Patroni's synchronous standby

    [[checks]]
    type = "failover"
    expect = "recovery"             # writes succeed again through HAProxy ...
    max_seconds = 20                # ... within this many seconds of the kill

    [[checks]]
    type = "failover"
    expect = "no_lost_writes"       # acknowledged writes missing from the new leader
    max_lost = 0

    [[checks]]
    type = "failover"
    expect = "new_leader"           # another member leads, and the third one follows it

    [[checks]]
    type = "failover"
    expect = "consistent_timeouts"  # loop_wait + 2 × retry_timeout ≤ ttl (Patroni's own rule)
"""

from __future__ import annotations

from typing import Any

from labs.engines.patroni import PatroniAttempt
from labs.engines.patroni.drill import DrillReport
from labs.result import CheckResult
from labs.spec import CheckSpec

KNOWN_PARAMS = ("expect", "max_seconds", "max_lost", "hint")
EXPECTATIONS = ("serves_writes", "synchronous", "recovery", "no_lost_writes", "new_leader", "consistent_timeouts")


def check(attempt: PatroniAttempt, check_spec: CheckSpec) -> CheckResult:
    expect = check_spec.params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    if expect == "consistent_timeouts":
        return check_timeouts(attempt, check_spec)
    report = attempt.drill()
    function = {
        "serves_writes": check_serves_writes,
        "synchronous": check_synchronous,
        "recovery": check_recovery,
        "no_lost_writes": check_lost_writes,
        "new_leader": check_new_leader,
    }[expect]
    return function(attempt, check_spec, report)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def _settings(attempt: PatroniAttempt, *names: str) -> str:
    return ", ".join(f"{name} {attempt.config.setting(name)}" for name in names)


def _haproxy(attempt: PatroniAttempt) -> str:
    settings = {"inter": 2000, "fall": 3, "rise": 2, **attempt.config.haproxy}
    return (f"check {attempt.config.check_path}, inter {settings['inter']} ms, "
            f"fall {settings['fall']}, rise {settings['rise']}")


def check_serves_writes(attempt: PatroniAttempt, check_spec: CheckSpec, report: DrillReport) -> CheckResult:
    failed = [w for w in report.steady if not w.ok]
    total = len(report.steady)
    if total and not failed:
        return _result(check_spec, True, f"Before the failure all {total} writes through HAProxy succeeded on the "
                       f"leader ({report.old_leader}).", steady_writes=total)
    errors = sorted({w.error for w in failed})[:3]
    read_only = any("read-only" in e for e in errors)
    hint = (
        "HAProxy sent writes to replicas: its health check must succeed only on the leader. Patroni's "
        "/primary (also /leader, /read-write) answers 200 on the leader alone; /health, /replica and "
        "/read-only answer 200 on replicas too."
        if read_only else
        "Every write through HAProxy must reach the leader while the cluster is healthy; check the "
        "`haproxy.check` endpoint."
    )
    return _result(
        check_spec, False,
        f"Expected every write through HAProxy to succeed before the failure; {len(failed)} of {total} failed "
        f"(HAProxy: {_haproxy(attempt)}). Errors seen: {'; '.join(errors) or 'none recorded'}.",
        hint, steady_writes=total, steady_failures=len(failed),
    )


def check_synchronous(attempt: PatroniAttempt, check_spec: CheckSpec, report: DrillReport) -> CheckResult:
    roles = {name: m.get("role") for name, m in report.roles_before.items()}
    sync = [name for name, role in roles.items() if role == "sync_standby"]
    seen = ", ".join(f"{name} {role}" for name, role in sorted(roles.items()))
    if sync:
        return _result(check_spec, True, f"Before the failure {', '.join(sync)} was the synchronous standby ({seen}).")
    return _result(
        check_spec, False,
        f"Expected one replica to be Patroni's synchronous standby before the failure; the members were: {seen} "
        f"(synchronous_mode {attempt.config.setting('synchronous_mode')}).",
        "Without a synchronous standby a commit is acknowledged before any replica has it, so a failover can "
        "lose it. Set `synchronous_mode: true` in the DCS settings.",
    )


def check_recovery(attempt: PatroniAttempt, check_spec: CheckSpec, report: DrillReport) -> CheckResult:
    limit = float(check_spec.params.get("max_seconds", 20))
    seconds = report.recovery_seconds
    artifacts = {"recovery_seconds": seconds, "watched_seconds": report.watched_seconds,
                 "lease_age_at_kill": report.lease_age_at_kill}
    if seconds is not None and seconds <= limit:
        return _result(check_spec, True, f"Writes succeeded again through HAProxy {seconds:g} s after the leader "
                       f"({report.old_leader}) was killed (limit {limit:g} s); {report.new_leader} leads now.",
                       **artifacts)
    observed = (f"they came back only after {seconds:g} s" if seconds is not None else
                f"none succeeded in the {report.watched_seconds:g} s the platform watched")
    errors = "; ".join(report.errors_after()) or "none recorded"
    return _result(
        check_spec, False,
        f"Expected writes through HAProxy to succeed again within {limit:g} s of killing the leader "
        f"({report.old_leader}); {observed}. Settings: {_settings(attempt, 'ttl', 'loop_wait', 'retry_timeout')}; "
        f"HAProxy {_haproxy(attempt)}. New leader: {report.new_leader or 'none'}. Errors seen: {errors}.",
        _recovery_hint(attempt, report), **artifacts,
    )


def _recovery_hint(attempt: PatroniAttempt, report: DrillReport) -> str:
    if report.new_leader is None or report.new_leader == report.old_leader:
        if attempt.config.setting("synchronous_mode_strict") and attempt.config.setting("synchronous_node_count") > 1:
            return ("No replica could take over writes: strict synchronous mode with more synchronous standbys than "
                    "the surviving members can provide blocks every commit. Ask for fewer synchronous nodes.")
        return ("No replica took the leader key in time. The key outlives a dead leader by up to `ttl` seconds, "
                "and a replica lagging more than `maximum_lag_on_failover` bytes refuses to take it.")
    return ("Recovery takes about ttl (the dead leader's key expiring) + promotion (1-2 s) + HAProxy's rise × inter "
            "to mark the new leader up. Shorten the slowest of these; keep loop_wait + 2 × retry_timeout ≤ ttl.")


def check_lost_writes(attempt: PatroniAttempt, check_spec: CheckSpec, report: DrillReport) -> CheckResult:
    limit = int(check_spec.params.get("max_lost", 0))
    acknowledged = len(report.acknowledged)
    if report.lost is None:
        return _result(
            check_spec, False,
            f"Expected at most {limit} of the {acknowledged} acknowledged writes to be lost; no member became the new "
            "leader, so none of them could be read back after the failure.",
            "Make sure a replica can take over (see the recovery check's message).",
        )
    lost = len(report.lost)
    artifacts = {"acknowledged": acknowledged, "lost": lost, "paused_seconds": report.paused_seconds}
    if lost <= limit:
        kept = f"All {acknowledged}" if not lost else f"{acknowledged - lost} of the {acknowledged}"
        return _result(check_spec, True, f"{kept} acknowledged writes are on the new leader ({report.new_leader}); "
                       f"at most {limit} may be lost.", **artifacts)
    mode = _settings(attempt, "synchronous_mode")
    commit = attempt.config.pg_parameters.get("synchronous_commit", "on")
    hint = ("With synchronous_commit local or off, a commit does not wait for the synchronous standby."
            if commit in ("local", "off") else
            "An asynchronous leader acknowledges commits its replicas have not received. Patroni's synchronous_mode "
            "makes each commit wait for a synchronous standby and promotes only that standby.")
    return _result(
        check_spec, False,
        f"Expected at most {limit} acknowledged writes lost; {lost} of the {acknowledged} the client was told were "
        f"committed are missing on the new leader ({report.new_leader}). The replicas were held "
        f"{report.paused_seconds:g} s behind before the kill ({mode}, synchronous_commit {commit}).",
        hint, **artifacts,
    )


def check_new_leader(attempt: PatroniAttempt, check_spec: CheckSpec, report: DrillReport) -> CheckResult:
    roles = report.roles_after
    seen = ", ".join(f"{n} {m.get('role')}/{m.get('state')}" for n, m in sorted(roles.items())) or "no member answered"
    leader = report.new_leader
    followers = [n for n, m in roles.items() if n not in (leader, report.old_leader)
                 and m.get("role") in ("replica", "sync_standby") and m.get("state") in ("running", "streaming")]
    if leader is not None and leader != report.old_leader and followers:
        return _result(check_spec, True, f"{leader} leads after the failure and {', '.join(followers)} follows it.")
    return _result(
        check_spec, False,
        f"Expected a surviving member to lead and the third to follow it after {report.old_leader} was killed; "
        f"seen: {seen}.", _recovery_hint(attempt, report),
    )


def check_timeouts(attempt: PatroniAttempt, check_spec: CheckSpec) -> CheckResult:
    ttl, loop_wait, retry = (attempt.config.setting(n) for n in ("ttl", "loop_wait", "retry_timeout"))
    if loop_wait + 2 * retry <= ttl:
        return _result(check_spec, True, f"loop_wait + 2 × retry_timeout = {loop_wait + 2 * retry} ≤ ttl {ttl}.")
    return _result(
        check_spec, False,
        f"Expected loop_wait + 2 × retry_timeout ≤ ttl, as Patroni's documentation requires; got {loop_wait} + "
        f"2 × {retry} = {loop_wait + 2 * retry} > ttl {ttl}.",
        "A leader that retries the DCS for retry_timeout twice within one loop can lose its key while healthy "
        "and demote itself: raise ttl or lower loop_wait / retry_timeout.",
    )
