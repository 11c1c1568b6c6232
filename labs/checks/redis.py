"""Redis checks: key types, values, TTL ranges, sorted-set ranges, the effect of a command
sequence, memory, and the learner's final state compared with the reference solution's on
the lab's data *and* on the hidden dataset (hidden.redis), so a hard-coded answer fails.

lab.toml (every parameter is optional; a check holds when all the ones given hold)::

    [[checks]]
    type = "redis"
    name = "the weekly leaderboard"
    keys = [{key = "lb", type = "zset"}, {pattern = "session:*", type = "hash", min_count = 3},
            {key = "tmp", exists = false}]
    values = [{key = "greeting", equals = "hello"}, {key = "user:1", field = "name", equals = "Ada"}]
    ttl = [{key = "lb", min = 3000, max = 3600}]          # seconds, inclusive; a single table works too
    zrange = [{key = "lb", start = 0, stop = 2, rev = true, withscores = true,
               equals = [["carol", 210], ["alice", 180], ["bob", 150]]}]
    commands_effect = [{command = "ZINCRBY lb 100 dave", reply = "190"},
                       {command = "ZREVRANK lb dave", reply = 0},
                       {command = "GET missing", nil = true},
                       {command = "INCR lb", error = "WRONGTYPE"}]
    max_memory_bytes = 200000   # sum of MEMORY USAGE over every key (all shards), or with memory_keys
    memory_keys = "user:*"      # ... the sum of MEMORY USAGE over the keys matching this pattern
    same_as_solution = {keys = ["lb"], patterns = ["lb:*"], ttl_tolerance = 5, datasets = ["seed", "hidden"]}
    datasets = ["seed", "hidden"]   # where keys/values/ttl/zrange/commands_effect/memory are checked
    hint = "..."                    # replaces the generic hint when the check fails

``commands_effect`` runs as the grader *after* the learner's answer and changes the data;
put it in the last check that reads the same keys. ``same_as_solution`` defaults to both
datasets when the lab has hidden.redis.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from labs.checks import hidden_cases, redis_reference
from labs.checks.redis_values import TYPE_NAMES, key_type, read_value, same, show, snapshot
from labs.feedback import duration
from labs.result import CheckResult
from labs.sandbox.redis import (
    CommandSyntaxError,
    RedisAttempt,
    RedisReplyError,
    RedisRun,
    format_reply,
    reply_text,
    split_command_line,
)
from labs.spec import CheckSpec

KNOWN_PARAMS = {
    "keys", "values", "ttl", "zrange", "commands_effect", "max_memory_bytes", "memory_keys",
    "same_as_solution", "datasets", "hint",
}  # fmt: skip

TYPE_HINTS = {
    "string": "create it with SET (or INCR for counters)",
    "list": "build it with RPUSH or LPUSH",
    "set": "build it with SADD",
    "zset": "build it with ZADD, ZINCRBY or ZUNIONSTORE",
    "hash": "build it with HSET",
    "stream": "append to it with XADD",
}
DATASET_LABELS = {"seed": "on the lab's data", "hidden": "on the hidden dataset (same key layout, other values)"}
MAX_COMPARED_KEYS = 200

# True while checking the hidden dataset: messages then name the kind of difference, never a value.
_HIDDEN: ContextVar[bool] = ContextVar("hidden_dataset", default=False)


class CheckParamError(ValueError):
    """A lab author's mistake in a check's parameters: a platform fault, never the learner's."""


@dataclass
class Problem:
    message: str
    hint: str = ""


def read_params(attempt: RedisAttempt, check_spec: CheckSpec, known: set[str]) -> tuple[dict[str, Any], str]:
    """The check's parameters and where they stand (for messages); a parameter not in
    ``known`` is the lab author's mistake. Shared with the persistence and sharding checks."""
    params = check_spec.params
    where = f"{attempt.spec.root}/lab.toml checks[{check_spec.index}]"
    unknown = sorted(set(params) - known)
    if unknown:
        raise CheckParamError(f"{where}: unknown parameter(s) {', '.join(unknown)}; known: {sorted(known)}")
    return params, where


def check_each_dataset(
    attempt: RedisAttempt, params: dict[str, Any], where: str, check_run: Callable[[RedisRun, str], list[Problem]]
) -> list[Problem]:
    """``check_run(run, dataset)`` on the answer's run over each dataset the check names
    (``datasets``, the seed by default), its problems labelled with the dataset when there
    are several. Shared with the persistence checks."""
    datasets = _datasets(attempt, params.get("datasets", ["seed"]), where)
    problems: list[Problem] = []
    for dataset in datasets:
        found = check_run(attempt.run_on(dataset), dataset)
        problems += [_on_dataset(p, dataset, len(datasets)) for p in found]
    return problems


def check(attempt: RedisAttempt, check_spec: CheckSpec) -> CheckResult:
    params, where = read_params(attempt, check_spec, KNOWN_PARAMS)
    verified: list[str] = []

    def check_run(run: RedisRun, dataset: str) -> list[Problem]:
        token = _HIDDEN.set(dataset == "hidden")
        try:
            return _check_run(run, params, where, verified)
        finally:
            _HIDDEN.reset(token)

    problems = check_each_dataset(attempt, params, where, check_run)
    if "same_as_solution" in params:
        problems += _check_same_as_solution(attempt, params["same_as_solution"], where, verified)
    return verdict(attempt, problems, verified, params.get("hint"))


def _check_run(run: RedisRun, params: dict[str, Any], where: str, verified: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    if "keys" in params:
        problems += _check_keys(run, _as_list(params["keys"], "keys", where), where, verified)
    if "values" in params:
        problems += _check_values(run, _as_list(params["values"], "values", where), where, verified)
    if "ttl" in params:
        problems += _check_ttl(run, _as_list(params["ttl"], "ttl", where), where, verified)
    if "zrange" in params:
        problems += _check_zrange(run, _as_list(params["zrange"], "zrange", where), where, verified)
    if "max_memory_bytes" in params:
        problems += _check_memory(run, params["max_memory_bytes"], params.get("memory_keys"), where, verified)
    if "commands_effect" in params:
        problems += _check_commands(run, _as_list(params["commands_effect"], "commands_effect", where), where, verified)
    return problems


def verdict(attempt: RedisAttempt, problems: list[Problem], verified: list[str], hint: str | None) -> CheckResult:
    """One CheckResult from a list of problems; shared with the sharding checks."""
    artifacts: dict[str, Any] = {"commands": attempt.transcript.preview()}
    if not problems:
        summary = "; ".join(dict.fromkeys(verified)) or "nothing to verify"
        return CheckResult(name="", passed=True, message=f"As expected: {summary}.", artifacts=artifacts)
    first = problems[0]
    message = first.message
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''}, listed below)"
        artifacts["problems"] = [p.message for p in problems]
    # Redis's error replies are shown once above the checks (from this artifact), not in every check's hint.
    errors = attempt.transcript.describe_errors()
    if errors:
        artifacts["command_errors"] = errors
    hints = [hint or first.hint]
    return CheckResult(
        name="", passed=False, message=message, hint=" ".join(h for h in hints if h), artifacts=artifacts
    )


def _datasets(attempt: RedisAttempt, value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or any(v not in DATASET_LABELS for v in value):
        raise CheckParamError(f"{where}.datasets: must be a list drawn from 'seed' and 'hidden'")
    for dataset in value:
        if not attempt.has_dataset(dataset):
            raise CheckParamError(f"{where}.datasets: '{dataset}' needs a hidden.redis in the lab folder")
    return list(value)


def _on_dataset(problem: Problem, dataset: str, count: int) -> Problem:
    if count == 1 and dataset == "seed":
        return problem
    label = DATASET_LABELS[dataset]
    return Problem(f"{label[0].upper()}{label[1:]}: {problem.message}", problem.hint)


def _as_list(value: Any, name: str, where: str) -> list[dict[str, Any]]:
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise CheckParamError(f"{where}.{name}: must be a table or a list of tables")
    return items


def _need(item: dict[str, Any], key: str, name: str, where: str) -> Any:
    if key not in item:
        raise CheckParamError(f"{where}.{name}: every entry needs '{key}' (got {item})")
    return item[key]


# --------------------------------------------------------------------------- families


def _check_keys(run: RedisRun, items: list[dict], where: str, verified: list[str]) -> list[Problem]:
    problems = []
    for item in items:
        expected_type = item.get("type")
        if expected_type is not None and expected_type not in TYPE_NAMES:
            raise CheckParamError(f"{where}.keys: type {expected_type!r} is not one of {', '.join(TYPE_NAMES)}")
        must_exist = bool(item.get("exists", True))
        if "pattern" in item:
            pattern = str(item["pattern"])
            keys = [k.decode("utf-8", "backslashreplace") for k in run.scan(pattern)]
            minimum = int(item.get("min_count", 1 if must_exist else 0))
            if not must_exist and keys:
                problems.append(
                    Problem(
                        f"Expected no keys matching `{pattern}`, but found {len(keys)} (e.g. `{keys[0]}`).",
                        "Delete temporary keys when you are done with them (DEL or UNLINK), or give them a TTL.",
                    )
                )
                continue
            if len(keys) < minimum:
                problems.append(
                    Problem(
                        f"Expected at least {minimum} key(s) matching `{pattern}`, found {len(keys)}.",
                        "Check the key names against the lab's instructions (SCAN 0 MATCH pattern lists them).",
                    )
                )
                continue
            wrong = [(k, key_type(run, k)) for k in keys[:MAX_COMPARED_KEYS]]
            wrong = [(k, t) for k, t in wrong if expected_type and t != expected_type]
            if wrong:
                key, found = wrong[0]
                problems.append(_type_problem(key, expected_type, found, f" ({len(wrong)} of the matching keys)"))
            else:
                verified.append(f"{len(keys)} key(s) match `{pattern}`")
            continue
        key = str(_need(item, "key", "keys", where))
        found = key_type(run, key)
        if not must_exist:
            if found != "none":
                problems.append(
                    Problem(
                        f"Expected key `{key}` not to exist, but it is {TYPE_NAMES.get(found, found)}.",
                        "Remove it with DEL or UNLINK once it is no longer needed.",
                    )
                )
            else:
                verified.append(f"`{key}` does not exist")
        elif found == "none":
            what = TYPE_NAMES.get(expected_type or "", "a key")
            problems.append(
                Problem(
                    f"Expected key `{key}` to be {what}, but it does not exist.",
                    f"Check the key's exact name; {TYPE_HINTS.get(expected_type or '', 'create it')}.",
                )
            )
        elif expected_type and found != expected_type:
            problems.append(_type_problem(key, expected_type, found))
        else:
            verified.append(f"`{key}` is {TYPE_NAMES.get(found, found)}")
    return problems


def _type_problem(key: str, expected: str | None, found: str, extra: str = "") -> Problem:
    return Problem(
        f"Expected `{key}` to be {TYPE_NAMES.get(expected or '', expected)}, but it is {TYPE_NAMES.get(found, found)}"
        f"{extra}.",
        f"Each Redis data type has its own commands: {TYPE_HINTS.get(expected or '', 'use the matching commands')}.",
    )


def _check_values(run: RedisRun, items: list[dict], where: str, verified: list[str]) -> list[Problem]:
    problems = []
    for item in items:
        key = str(_need(item, "key", "values", where))
        expected = _need(item, "equals", "values", where)
        tolerance = float(item.get("tolerance", 1e-9))
        kind = key_type(run, key)
        if kind == "none":
            wanted = "its expected value" if _HIDDEN.get() else show(expected)
            problems.append(
                Problem(f"Expected `{key}` to hold {wanted}, but the key does not exist.", "Check its name.")
            )
            continue
        if "field" in item:
            field_name = str(item["field"])
            if kind == "hash":
                actual = reply_text(run.call("HGET", key, field_name))
            elif kind == "zset":
                actual = reply_text(run.call("ZSCORE", key, field_name))
            else:
                raise CheckParamError(f"{where}.values: 'field' only applies to hashes and sorted sets ({key})")
            label = f"field `{field_name}` of `{key}`"
        else:
            actual = read_value(run, key, kind)
            if kind == "set" and isinstance(expected, list):
                expected = sorted(map(str, expected))
            if kind == "zset" and isinstance(expected, list) and expected and not isinstance(expected[0], list):
                actual = [member for member, _ in actual]
            label = f"`{key}`"
        if same(expected, actual, tolerance):
            verified.append(f"{label} holds {'the expected value' if _HIDDEN.get() else show(expected, 60)}")
        else:
            seen = (
                f"Expected {label} to hold another value than it does: {hidden_cases.value_case(expected, actual)}."
                if _HIDDEN.get()
                else f"Expected {label} to hold {show(expected)}, but it holds {show(actual)}."
            )
            problems.append(
                Problem(
                    seen,
                    "Compare your commands with the lab's instructions, and inspect the key with the matching "
                    "read command (GET, HGETALL, LRANGE, SMEMBERS, ZRANGE … WITHSCORES).",
                )
            )
    return problems


def _check_ttl(run: RedisRun, items: list[dict], where: str, verified: list[str]) -> list[Problem]:
    problems = []
    for item in items:
        key = str(_need(item, "key", "ttl", where))
        low = float(item.get("min", 0))
        high = float(item.get("max", math.inf))
        wanted = f"between {duration(low)} and {duration(high)}" if high != math.inf else f"at least {duration(low)}"
        pttl = int(run.call("PTTL", key))
        if pttl == -2:
            problems.append(
                Problem(
                    f"Expected `{key}` to expire in {wanted}, but the key does not exist.",
                    "Create the key first, then set its expiry (EXPIRE key seconds, or SET … EX seconds).",
                )
            )
        elif pttl == -1:
            problems.append(
                Problem(
                    f"Expected `{key}` to expire in {wanted}, but it has no expiry.",
                    "Set one with EXPIRE key seconds (or SET … EX seconds). Note that commands which replace a "
                    "key, like SET or ZUNIONSTORE, remove an expiry set before them.",
                )
            )
        else:
            seconds = pttl / 1000
            if low - 1 <= seconds <= high:  # one second of slack for the time the grading takes
                verified.append(f"`{key}` expires in {duration(round(seconds))}")
            else:
                unit = " Did you give milliseconds to EXPIRE (which takes seconds)?" if seconds > high * 100 else ""
                problems.append(
                    Problem(
                        f"Expected `{key}` to expire in {wanted}, but it expires in {duration(round(seconds))}.{unit}",
                        "EXPIRE takes seconds, PEXPIRE milliseconds; EXPIREAT takes a Unix time.",
                    )
                )
    return problems


def _check_zrange(run: RedisRun, items: list[dict], where: str, verified: list[str]) -> list[Problem]:
    problems = []
    for item in items:
        key = str(_need(item, "key", "zrange", where))
        expected = _need(item, "equals", "zrange", where)
        start, stop = int(item.get("start", 0)), int(item.get("stop", -1))
        rev, withscores = bool(item.get("rev", False)), bool(item.get("withscores", False))
        kind = key_type(run, key)
        command = f"ZRANGE {key} {start} {stop}" + (" REV" if rev else "") + (" WITHSCORES" if withscores else "")
        if kind != "zset":
            wanted = "the expected members" if _HIDDEN.get() else show(expected)
            problems.append(
                Problem(
                    f"Expected `{command}` to return {wanted}, but `{key}` is {TYPE_NAMES.get(kind, kind)}.",
                    "Build it with ZADD, ZINCRBY or ZUNIONSTORE.",
                )
            )
            continue
        argv = ["ZRANGE", key, start, stop] + (["REV"] if rev else []) + (["WITHSCORES"] if withscores else [])
        flat = reply_text(run.call(*argv))
        actual = [[flat[i], float(flat[i + 1])] for i in range(0, len(flat), 2)] if withscores else flat
        if same(expected, actual, float(item.get("tolerance", 1e-9))):
            verified.append(f"`{command}` returns {'the expected members' if _HIDDEN.get() else show(expected, 60)}")
        else:
            seen = (
                f"`{command}` does not return the expected members: {hidden_cases.value_case(expected, actual)}."
                if _HIDDEN.get()
                else f"Expected `{command}` to return {show(expected)}, but it returns {show(actual)}."
            )
            problems.append(
                Problem(
                    seen,
                    "Check that every score was counted (ZUNIONSTORE sums by default; AGGREGATE MAX/MIN changes "
                    "that) and that members are spelled exactly as in the data.",
                )
            )
    return problems


def _check_memory(run: RedisRun, limit: Any, pattern: Any, where: str, verified: list[str]) -> list[Problem]:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise CheckParamError(f"{where}.max_memory_bytes: must be a positive whole number of bytes")
    # Summing MEMORY USAGE per key rather than reading INFO's used_memory_dataset: Redis 7.0
    # computes that field as an unsigned difference that wraps to ~2**64 on a near-empty server.
    keys = run.scan(str(pattern) if pattern else "*")
    used = sum(int(run.call("MEMORY", "USAGE", key, "SAMPLES", 0) or 0) for key in keys)
    what = f"the {len(keys)} key(s) matching `{pattern}` use" if pattern else "your data uses"
    if used <= limit:
        verified.append(f"{what} {_bytes(used)} (limit {_bytes(limit)})")
        return []
    return [
        Problem(
            f"Expected at most {_bytes(limit)}, but {what} {_bytes(used)}.",
            "Small hashes, sets and sorted sets are stored compactly (listpack); many small string keys "
            "cost more per key than one hash holding the same fields. Expire or delete what you no longer need.",
        )
    ]


def _bytes(count: int) -> str:
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:.1f} {unit} ({count} bytes)"
    return f"{count} bytes"


def _check_commands(run: RedisRun, items: list[dict], where: str, verified: list[str]) -> list[Problem]:
    """Run a scripted sequence as the grader and compare each reply; stop at the first miss."""
    for item in items:
        text = str(_need(item, "command", "commands_effect", where))
        try:
            argv = split_command_line(text)
        except CommandSyntaxError as exc:
            raise CheckParamError(f"{where}.commands_effect: `{text}`: {exc.problem}") from None
        try:
            reply: Any = run.call(*argv)
        except RedisReplyError as exc:
            reply = exc
        shown = format_reply(reply)
        if "error" in item:
            prefix = str(item["error"])
            if isinstance(reply, RedisReplyError) and reply.text.startswith(prefix):
                continue
            return [_effect_problem(text, f"an error starting with {prefix}", shown)]
        if isinstance(reply, RedisReplyError):
            expected = "(nil)" if item.get("nil") else show(item.get("reply"))
            return [_effect_problem(text, expected, shown)]
        if item.get("nil"):
            if reply is not None:
                return [_effect_problem(text, "(nil)", shown)]
            continue
        if "reply" in item and not same(item["reply"], reply_text(reply), float(item.get("tolerance", 1e-9))):
            return [_effect_problem(text, show(item["reply"]), shown)]
    verified.append(f"{len(items)} follow-up command(s) behave as expected")
    return []


def _effect_problem(command: str, expected: str, shown: str) -> Problem:
    if _HIDDEN.get():
        return Problem(
            f"After your commands, `{command}` does not return what it should (it returns another value, or an "
            "error where a value is expected).",
            "Your data must keep working for the commands that come after it: check the key's type and content.",
        )
    return Problem(
        f"After your commands, `{command}` should return {expected}, but it returned {shown}.",
        "Your data must keep working for the commands that come after it: check the key's type and content.",
    )


def _check_same_as_solution(attempt: RedisAttempt, value: Any, where: str, verified: list[str]) -> list[Problem]:
    config = {"keys": value} if isinstance(value, list) else value
    if not isinstance(config, dict):
        raise CheckParamError(f"{where}.same_as_solution: must be a list of keys or a table")
    keys = [str(k) for k in config.get("keys", [])]
    patterns = [str(p) for p in config.get("patterns", [])]
    if not keys and not patterns:
        raise CheckParamError(f"{where}.same_as_solution: give 'keys' and/or 'patterns' to compare")
    tolerance_ms = float(config.get("ttl_tolerance", 5)) * 1000
    default = ["seed", "hidden"] if attempt.has_dataset("hidden") else ["seed"]
    datasets = _datasets(attempt, config.get("datasets", default), f"{where}.same_as_solution")
    problems: list[Problem] = []
    for dataset in datasets:
        # The reference's replay is cached per lab version (labs.checks.redis_reference).
        mine, reference = attempt.run_on(dataset), redis_reference.reference_state(attempt, dataset)
        compared = list(keys)
        for pattern in patterns:
            have = {k.decode("utf-8", "backslashreplace") for k in mine.scan(pattern)}
            want = {k.decode("utf-8", "backslashreplace") for k in reference.scan(pattern)}
            if have != want:
                missing, extra = sorted(want - have), sorted(have - want)
                parts = []
                if dataset == "hidden":  # the hidden dataset's key names are its data: count them only
                    parts.append(f"{len(missing)} missing, {len(extra)} unexpected")
                    missing, extra = [], []
                if missing:
                    parts.append(f"missing {', '.join(f'`{k}`' for k in missing[:5])}")
                if extra:
                    parts.append(f"unexpected {', '.join(f'`{k}`' for k in extra[:5])}")
                problems.append(
                    _on_dataset(
                        Problem(
                            f"The keys matching `{pattern}` differ from the reference solution's: {'; '.join(parts)}.",
                            "Derive key names from the data rather than writing them by hand.",
                        ),
                        dataset,
                        2,
                    )
                )
            compared += sorted(want & have)[:MAX_COMPARED_KEYS]
        for key in dict.fromkeys(compared):
            problem = _compare_key(
                key, snapshot(mine, key), reference.snapshot(key), tolerance_ms, dataset == "hidden", key in keys
            )
            if problem:
                problems.append(_on_dataset(problem, dataset, 2))
        if not problems:
            verified.append(f"{len(dict.fromkeys(compared))} key(s) match the reference {DATASET_LABELS[dataset]}")
    return problems


def _compare_key(
    key: str,
    mine: tuple[str, Any, int],
    reference: tuple[str, Any, int],
    tolerance_ms: float,
    hidden: bool = False,
    named: bool = True,
):
    (my_type, my_value, my_ttl), (ref_type, ref_value, ref_ttl) = mine, reference
    if hidden and not named:
        key = "a key matching the lab's pattern"  # its name is hidden data
    if my_type != ref_type:
        return _type_problem(key, ref_type, my_type)
    if not _same_data(ref_value, my_value):
        seen = (
            f"`{key}` differs from the reference solution's: {hidden_cases.value_case(ref_value, my_value)}."
            if hidden
            else f"`{key}` holds {show(my_value)}, but the reference solution's holds {show(ref_value)}."
        )
        return Problem(
            seen,
            "If your answer matches on the lab's data but not here, it probably copies values from seed.redis; "
            "compute them from the data with Redis commands instead (for sorted sets: ZUNIONSTORE, ZINCRBY).",
        )
    if (my_ttl < 0) != (ref_ttl < 0):
        expected = "an expiry" if ref_ttl >= 0 else "no expiry"
        return Problem(
            f"`{key}` should have {expected}, like the reference solution's, but "
            + ("it has none." if my_ttl < 0 else f"it expires in {duration(round(my_ttl / 1000))}."),
            "Set expiries with EXPIRE after the command that creates the key.",
        )
    if my_ttl >= 0 and abs(my_ttl - ref_ttl) > tolerance_ms:
        return Problem(
            f"`{key}` expires in {duration(round(my_ttl / 1000))}, but the reference solution's "
            f"expires in {duration(round(ref_ttl / 1000))}.",
            "EXPIRE takes seconds, PEXPIRE milliseconds.",
        )
    return None


def _same_data(reference: Any, mine: Any) -> bool:
    if isinstance(reference, float) and isinstance(mine, float):
        return math.isclose(reference, mine, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(reference, list) and isinstance(mine, list):
        return len(reference) == len(mine) and all(_same_data(r, m) for r, m in zip(reference, mine, strict=True))
    if isinstance(reference, dict) and isinstance(mine, dict):
        return reference.keys() == mine.keys() and all(_same_data(reference[k], mine[k]) for k in reference)
    return reference == mine
