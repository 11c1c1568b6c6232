"""Redis persistence checks: the settings the learner chose (CONFIG SET appendonly, appendfsync,
save, maxmemory-policy) and what survives when the platform stops the server and starts it
again on the same data directory with those settings.

lab.toml (the lab lets the learner change settings with ``engine_options.learner_config``)::

    [engine_options]
    learner_config = ["appendonly", "appendfsync", "save"]

    [[checks]]
    type = "persistence"
    config = {appendonly = "yes", appendfsync = ["everysec"]}   # a value, or the values allowed
    snapshot_within = 3600    # an RDB save point whose interval is at most this many seconds
    restart = "kill"          # "kill": SIGKILL, a crash of the Redis process; "term": a clean stop
    survives = ["queue:*", "session:*"]   # keys (patterns) that must come back with their values
    datasets = ["seed", "hidden"]         # default ["seed"]
    hint = "..."

The restart happens after the checks before it in lab.toml have read the server, and later
checks see the restarted server: put the restart check last. Before stopping the server the
check waits for a running BGSAVE or AOF rewrite (up to a few seconds), so the verdict is about
the settings, not about the instant the crash hit.
"""

from __future__ import annotations

from typing import Any

from labs.checks.redis import CheckParamError, Problem, check_each_dataset, read_params, verdict
from labs.checks.redis_values import snapshot
from labs.engines.redis.restart import restart_node, wait_for_background_saves
from labs.result import CheckResult
from labs.sandbox.redis import RedisAttempt, RedisRun
from labs.spec import CheckSpec

KNOWN_PARAMS = {"config", "snapshot_within", "restart", "survives", "datasets", "hint"}
MAX_SURVIVING_KEYS = 500

HOW = {
    "kill": "killed with SIGKILL (a crash of the Redis process; the machine stayed up)",
    "term": "stopped with SIGTERM (a clean shutdown)",
}


def check(attempt: RedisAttempt, check_spec: CheckSpec) -> CheckResult:
    params, where = read_params(attempt, check_spec, KNOWN_PARAMS)
    verified: list[str] = []

    def check_run(run: RedisRun, dataset: str) -> list[Problem]:
        found: list[Problem] = []
        if "config" in params:
            found += _check_config(run, params["config"], where, verified)
        if "snapshot_within" in params:
            found += _check_snapshot(run, params["snapshot_within"], where, verified)
        if "restart" in params:
            found += _check_restart(run, params, where, verified, dataset == "hidden")
        return found

    problems = check_each_dataset(attempt, params, where, check_run)
    return verdict(attempt, problems, verified, params.get("hint"))


def _setting(run: RedisRun, name: str) -> str:
    reply = run.deployment.config("GET", name)
    return reply[1].decode() if isinstance(reply, list) and len(reply) == 2 else ""


def _check_config(run: RedisRun, expected: Any, where: str, verified: list[str]) -> list[Problem]:
    if not isinstance(expected, dict) or not expected:
        raise CheckParamError(f"{where}.config: must be a table of setting = value (or a list of values)")
    problems = []
    for name, wanted in expected.items():
        allowed = [str(v) for v in wanted] if isinstance(wanted, list) else [str(wanted)]
        actual = _setting(run, name)
        if actual in allowed:
            verified.append(f"{name} is {actual}")
            continue
        options = " or ".join(f"`{v}`" for v in allowed)
        problems.append(
            Problem(
                f"Expected the setting `{name}` to be {options} after your commands, "
                f"but it is `{actual or '(empty)'}`.",
                f"Set it with CONFIG SET {name} {allowed[0]}; CONFIG GET {name} shows the value in effect.",
            )
        )
    return problems


def save_points(value: str) -> list[tuple[int, int]]:
    """``"3600 1 300 100"`` -> [(3600, 1), (300, 100)]: seconds and changes of each save point."""
    numbers = [int(n) for n in value.split() if n.lstrip("-").isdigit()]
    return list(zip(numbers[::2], numbers[1::2], strict=False))


def _check_snapshot(run: RedisRun, limit: Any, where: str, verified: list[str]) -> list[Problem]:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise CheckParamError(f"{where}.snapshot_within: must be a positive number of seconds")
    value = _setting(run, "save")
    points = save_points(value)
    if any(seconds <= limit for seconds, _ in points):
        verified.append(f"RDB snapshots are scheduled (save {value})")
        return []
    seen = f"`save` is `{value}`" if value else "`save` is empty, so Redis never takes a snapshot by itself"
    return [
        Problem(
            f"Expected an RDB save point at most {limit} s apart, but {seen}.",
            f'A save point is a pair "seconds changes": CONFIG SET save "{limit} 1" snapshots at most '
            f"{limit} s after the first change. Several pairs may be given in one quoted value.",
        )
    ]


def _check_restart(run: RedisRun, params: dict, where: str, verified: list[str], hidden: bool) -> list[Problem]:
    how = params["restart"]
    if how not in HOW:
        raise CheckParamError(f"{where}.restart: must be one of {', '.join(HOW)}")
    if run.deployment.is_cluster:
        raise CheckParamError(f'{where}.restart: restarts are for standalone labs (topology = "standalone")')
    patterns = params.get("survives", ["*"])
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not patterns:
        raise CheckParamError(f"{where}.survives: must be a list of key patterns")
    keys = sorted({k.decode("utf-8", "backslashreplace") for p in patterns for k in run.scan(str(p))})
    keys = keys[:MAX_SURVIVING_KEYS]
    before = {key: snapshot(run, key)[:2] for key in keys}
    settled = wait_for_background_saves(run.deployment)
    settings = restart_node(run.deployment, 0, how)
    after = {key: snapshot(run, key)[:2] for key in keys}
    lost = [k for k in keys if after[k][0] == "none"]
    changed = [k for k in keys if k not in lost and after[k] != before[k]]
    described = _describe(settings)
    if not lost and not changed:
        verified.append(
            f"all {len(keys)} key(s) came back after the server was {HOW[how].split(' (')[0]} ({described})"
        )
        return []
    if hidden:
        which = f"{len(lost)} of the {len(keys)} key(s) were gone and {len(changed)} had other values"
    else:
        names = ", ".join(f"`{k}`" for k in (lost + changed)[:5])
        which = f"{len(lost)} of the {len(keys)} key(s) were gone and {len(changed)} had other values ({names})"
    unsettled = "" if settled else " (a background save was still running when the server stopped)"
    return [
        Problem(
            f"The server was {HOW[how]} and started again on the same data directory with your settings "
            f"({described}){unsettled}: {which}.",
            _restart_hint(settings, how),
        )
    ]


def _describe(settings: dict[str, str]) -> str:
    save = settings.get("save", "")
    return (
        f'appendonly {settings.get("appendonly", "?")}, appendfsync {settings.get("appendfsync", "?")}, save "{save}"'
    )


def _restart_hint(settings: dict[str, str], how: str) -> str:
    if settings.get("appendonly") != "yes" and not save_points(settings.get("save", "")):
        return (
            "With AOF off and no save points, nothing is written to disk: a restart starts empty. "
            "CONFIG SET appendonly yes logs every write from now on (and first rewrites the existing data "
            "into the log)."
        )
    if settings.get("appendonly") != "yes":
        return (
            "RDB alone keeps only the last snapshot, taken when a save point is reached; everything written after "
            "it is lost in a crash. The append-only file (CONFIG SET appendonly yes) logs every write."
        )
    if how == "kill":
        return (
            "AOF was on, yet keys were lost: were they written, and AOF turned on, before the settings you wanted "
            "were in effect? Check for a later CONFIG SET appendonly no, or keys deleted on purpose."
        )
    return "Compare your CONFIG SET commands with the lab's instructions."
