"""``pooling``: judge a PgBouncer lab by the load the platform drove through it (engine ``pgbouncer``).

[[checks]]
type = "pooling"
expect = "app_served"       # every app client ran to the end: no error, no aborted client

[[checks]]
type = "pooling"
expect = "throughput"       # the app's tps through PgBouncer >= min_percent of direct connections
min_percent = 50

[[checks]]
type = "pooling"
expect = "reports_served"   # the reports job (pgbench -M prepared) ran to the end without an error

[[checks]]
type = "pooling"
expect = "fits_server"      # no connection refused by PostgreSQL, and the pools' budget fits
max_server_connections = 17
"""

from __future__ import annotations

from typing import Any

from labs.engines.pgbouncer.attempt import PoolerAttempt
from labs.engines.pgbouncer.pgbench import PgbenchRun
from labs.result import CheckResult
from labs.spec import CheckSpec

KNOWN_PARAMS = frozenset({"expect", "min_percent", "max_server_connections"})
EXPECTATIONS = ("app_served", "throughput", "reports_served", "fits_server")


def check(attempt: PoolerAttempt, check_spec: CheckSpec) -> CheckResult:
    expect = check_spec.params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    function = {
        "app_served": check_app_served,
        "throughput": check_throughput,
        "reports_served": check_reports_served,
        "fits_server": check_fits_server,
    }[expect]
    return function(attempt, check_spec)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def explain(run: PgbenchRun, attempt: PoolerAttempt, alias: str, user: str) -> str:
    """What the errors a workload saw mean, and what to change (the first cause that matches)."""
    text = " ".join(run.errors).lower()
    mode = attempt.config.pool_mode(alias, user)
    wait = attempt.options["query_wait_timeout"]
    if "prepared statement" in text:
        return (
            f"pgbench -M prepared names its statements once per connection (P_1, P_2 ...), but the {alias} pool "
            f"runs in {mode} mode: the next transaction may land on a server connection where that name does not "
            "exist, or where another client already prepared it. PgBouncer 1.18 cannot track prepared statements "
            f"(max_prepared_statements arrived in 1.21): give {user}'s connections a session-mode pool, with "
            f"pool_mode=session on the {alias} entry or on {user} in [users], and keep transaction pooling for the app."
        )
    if "query_wait_timeout" in text:
        if mode == "session":
            return (
                f"Clients waited more than {wait:g} s for a server connection. In session mode a client keeps its "
                f"server connection until it disconnects, so the {alias} pool serves only as many clients as it has "
                "connections and the others wait for the whole run. Use transaction pooling for the app, and give "
                "a session-mode pool at least as many connections as it has clients."
            )
        return (
            f"Clients waited more than {wait:g} s for a server connection: the {alias} pool is too small for its "
            "load. Give it more server connections (within what the server allows)."
        )
    if "transaction blocks not allowed" in text:
        return ("Statement pooling returns the server connection after every statement, so the app's BEGIN ... END "
                "transactions are refused. The app needs transaction pooling.")
    if "max_client_conn" in text:
        return (f"max_client_conn caps the client connections PgBouncer accepts in total; the app and the reports job "
                f"open {attempt.options['app_clients'] + attempt.options['report_clients']} together, so raise it "
                "above that (client connections are cheap, server connections are not).")
    if "no such database" in text:
        return (f"PgBouncer serves only the database names listed under [databases]: add an entry named {alias} "
                f"(dbname={attempt.options['database']}).")
    if "does not exist" in text:
        return (f"The server has one database, {attempt.options['database']}: point the {alias} entry at it with "
                f"dbname={attempt.options['database']}.")
    if "too many clients" in text or "connection slots" in text:
        return ("PostgreSQL refused a connection PgBouncer opened: the pools together want more server connections "
                "than max_connections leaves. Make the pools smaller, or cap them with max_db_connections.")
    if "timeout" in text or "canceling statement" in text:
        return "A timeout in your settings ended the clients' work: leave query_timeout and the idle timeouts unset."
    return "Read the error PgBouncer or PostgreSQL gave and fix the setting it names."


def _served(attempt: PoolerAttempt, check_spec: CheckSpec, label: str, alias: str, user: str, what: str
            ) -> CheckResult:
    run = attempt.run(label)
    if run is None:
        return _result(check_spec, False, f"The {what} did not run.", "See the checks above.")
    opts = attempt.options
    if run.clean and run.processed > 0:
        return _result(
            check_spec, True,
            f"The {what} ({run.clients} clients, {run.seconds:g} s through PgBouncer as {user} on {alias}) ran "
            f"{run.processed} transactions at {run.tps:.0f} tps without an error.", **run.as_json(),
        )
    problems = []
    if run.aborted_clients:
        problems.append(f"{run.aborted_clients} of its {run.clients} clients were disconnected")
    if run.failed:
        problems.append(f"{run.failed} transactions failed")
    if run.errors:
        problems.append(f"errors: {run.error_summary()}")
    if not run.processed:
        problems.append("no transaction completed")
    return _result(
        check_spec, False,
        f"Expected every client of the {what} ({run.clients} clients as {user} asking for database {alias}, "
        f"for {run.seconds:g} s; a client waits at most {opts['query_wait_timeout']:g} s for a server connection) "
        f"to run to the end without an error. Saw: {'; '.join(problems)}.",
        explain(run, attempt, alias, user), **run.as_json(),
    )


def check_app_served(attempt: PoolerAttempt, check_spec: CheckSpec) -> CheckResult:
    opts = attempt.options
    return _served(attempt, check_spec, "app", opts["app_alias"], opts["app_user"], "app")


def check_reports_served(attempt: PoolerAttempt, check_spec: CheckSpec) -> CheckResult:
    opts = attempt.options
    return _served(attempt, check_spec, "reports", opts["reports_alias"], opts["report_user"],
                   "reports job (named prepared statements, pgbench -M prepared)")


def check_throughput(attempt: PoolerAttempt, check_spec: CheckSpec) -> CheckResult:
    wanted = float(check_spec.params.get("min_percent", 50))
    base, app = attempt.run("baseline"), attempt.run("app")
    if base is None or app is None:
        return _result(check_spec, False, "The throughput could not be measured: a run did not happen.")
    opts = attempt.options
    if not app.clean:
        return _result(check_spec, False, "Throughput counts only when every app client is served; it was not "
                       "(see the app check).", "Fix the app's errors first.")
    percent = 100.0 * app.tps / base.tps if base.tps else 0.0
    peak = attempt.notes.get("peak_connections", {}).get(opts["app_user"], 0)
    seen = (f"Direct connections ({base.clients} clients, the most the server gives the app while the reports hold "
            f"theirs): {base.tps:.0f} tps. Through PgBouncer ({app.clients} clients): {app.tps:.0f} tps, "
            f"{percent:.0f}%, on at most {peak} server connection(s).")
    artifacts = {"direct_tps": round(base.tps, 1), "pooled_tps": round(app.tps, 1), "percent": round(percent, 1),
                 "app_server_connections": peak}
    if percent < wanted:
        return _result(
            check_spec, False, f"Expected the app's throughput through PgBouncer to reach at least {wanted:g}% of the "
            f"direct figure. {seen}",
            "Each app transaction spends about 10 ms waiting inside the server, so throughput grows with the number "
            "of server connections working for the app (Little's law: busy connections = tps x time per transaction). "
            "Give the app's pool enough connections, within what the server allows.", **artifacts,
        )
    return _result(check_spec, True, f"{seen} That is at least {wanted:g}% of direct connections.", **artifacts)


def check_fits_server(attempt: PoolerAttempt, check_spec: CheckSpec) -> CheckResult:
    limit = int(check_spec.params.get("max_server_connections", 17))
    opts, config = attempt.options, attempt.config
    pools = [(opts["app_alias"], opts["app_user"]), (opts["reports_alias"], opts["report_user"])]
    budget = {f"{alias}/{user}": config.server_budget(alias, user) for alias, user in pools}
    total = sum(budget.values())
    refused: list[str] = attempt.notes.get("refusals", [])
    peaks = attempt.notes.get("peak_connections", {})
    described = ", ".join(f"{pool}: {count}" for pool, count in budget.items())
    artifacts = {"budget": budget, "refusals": len(refused), "peak_server_connections": peaks.get("total", 0)}
    hint = ("Count each pool's size plus its reserve (reserve_pool_size, or reserve_pool on the entry; PgBouncer opens "
            "it under a burst) and keep the sum within what max_connections leaves; default_pool_size is 20 when "
            "unset. max_db_connections or max_user_connections cap a pool.")
    if refused:
        return _result(
            check_spec, False,
            f"Expected PostgreSQL never to refuse a connection PgBouncer opens; it refused {len(refused)}: "
            f"{refused[0]}. Your pools may open up to {total} server connections ({described}); the server has "
            f"{limit} for the app and the reports together.", hint, **artifacts,
        )
    if total > limit:
        return _result(
            check_spec, False,
            f"Expected the pools the app and the reports job use to fit in the {limit} connections the server has "
            f"for them. Your settings let PgBouncer open up to {total} ({described}); this run did not reach that, "
            "but a burst (or the reserve pool) would, and PostgreSQL would refuse the rest with 'too many clients'.",
            hint, **artifacts,
        )
    return _result(
        check_spec, True,
        f"PostgreSQL refused no connection; at most {peaks.get('total', 0)} server connections were open, and your "
        f"pools may open up to {total} ({described}), within the {limit} the server has.", **artifacts,
    )
