"""Redis Cluster checks: keys spread evenly over the shards, related keys share a hash slot
(hash tags) so multi-key commands work, a lookup touches one shard, no CROSSSLOT errors.

lab.toml (topology = "cluster"; a check holds when all the parameters given hold)::

    [[checks]]
    type = "sharding"
    distribution = {pattern = "*:cart", max_skew = 2.0, min_keys = 12}   # max/min keys per shard
    same_slot = [["{user:42}:cart", "{user:42}:profile"],                # exact keys, must exist
                 {match = "{user:7}:*", min_keys = 2}]                   # every key matching a pattern
    single_shard_lookup = [{command = "MGET {user:5}:cart {user:5}:profile"},   # keys on one shard, no error
                           {match = "*user:5*", min_keys = 2}]                  # all matching keys on one shard
    no_crossslot = true        # the learner's answer ran without CROSSSLOT errors
    hint = "..."               # replaces the generic hint when the check fails
"""

from __future__ import annotations

from typing import Any

from redis.crc import key_slot

from labs.checks import redis_cluster_design as design
from labs.checks.redis import CheckParamError, Problem, read_params, verdict
from labs.result import CheckResult
from labs.sandbox.redis import (
    CommandRouter,
    CommandSyntaxError,
    RedisAttempt,
    RedisReplyError,
    RedisRun,
    format_reply,
    split_command_line,
)
from labs.spec import CheckSpec

KNOWN_PARAMS = {"distribution", "same_slot", "single_shard_lookup", "no_crossslot", "hashes", "transactions", "hint"}
HASH_TAG_HINT = (
    "In a cluster only the part of a key between the first { and } is hashed: give related keys the same "
    "{hash tag} (e.g. {user:42}:cart and {user:42}:profile) so they land in one slot, and make the tag "
    "something with many values (the user id) so different users still spread over the shards."
)


def check(attempt: RedisAttempt, check_spec: CheckSpec) -> CheckResult:
    params, where = read_params(attempt, check_spec, KNOWN_PARAMS)
    if attempt.spec.topology != "cluster":
        raise CheckParamError(f'{where}: sharding checks need topology = "cluster"')
    run = attempt.primary
    problems: list[Problem] = []
    verified: list[str] = []
    if params.get("no_crossslot"):
        problems += _check_no_crossslot(run, verified)
    if "same_slot" in params:
        problems += _check_same_slot(run, params["same_slot"], where, verified)
    if "single_shard_lookup" in params:
        problems += _check_single_shard(run, params["single_shard_lookup"], where, verified)
    if "distribution" in params:
        problems += _check_distribution(run, params["distribution"], where, verified)
    if "hashes" in params:
        problems += design.check_hashes(run, params["hashes"], where, verified)
    if "transactions" in params:
        problems += design.check_transactions(run, params["transactions"], where, verified)
    return verdict(attempt, problems, verified, params.get("hint"))


def _exists(run: RedisRun, key: str) -> bool:
    return bool(run.call("EXISTS", key))


def _slot_list(keys: list[str]) -> str:
    return ", ".join(f"`{k}` → slot {key_slot(k.encode())}" for k in keys[:6])


def _check_no_crossslot(run: RedisRun, verified: list[str]) -> list[Problem]:
    failed = [step for step in run.transcript.steps if step.error and step.error.startswith("CROSSSLOT")]
    if not failed:
        verified.append("no command failed with CROSSSLOT")
        return []
    lines = ", ".join(str(step.line) for step in failed[:10])
    return [
        Problem(
            f"{len(failed)} of your commands failed with CROSSSLOT (line{'s' if len(failed) > 1 else ''} {lines}): "
            "their keys hash to different slots, so the cluster refused them and nothing was written.",
            HASH_TAG_HINT,
        )
    ]


def _match_keys(run: RedisRun, pattern: str) -> list[str]:
    return [k.decode("utf-8", "backslashreplace") for k in run.scan(pattern)]


def _check_same_slot(run: RedisRun, groups: Any, where: str, verified: list[str]) -> list[Problem]:
    if not isinstance(groups, list):
        raise CheckParamError(f"{where}.same_slot: must be a list of key lists or {{match = ...}} tables")
    problems = []
    for group in groups:
        if isinstance(group, dict):
            if "match" not in group:
                raise CheckParamError(f"{where}.same_slot: a table needs 'match' (got {group})")
            keys = _match_keys(run, str(group["match"]))
            label = f"the keys matching `{group['match']}`"
            minimum = int(group.get("min_keys", 2))
            if len(keys) < minimum:
                problems.append(
                    Problem(
                        f"Expected at least {minimum} keys matching `{group['match']}`, found {len(keys)}.",
                        "Check the key names against the lab's instructions.",
                    )
                )
                continue
        elif isinstance(group, list) and all(isinstance(k, str) for k in group) and len(group) >= 2:
            keys = list(group)
            label = ", ".join(f"`{k}`" for k in keys)
            missing = [k for k in keys if not _exists(run, k)]
            if missing:
                problems.append(
                    Problem(
                        f"Expected {label} to exist in one hash slot, but {', '.join(f'`{k}`' for k in missing)} "
                        f"do{'es' if len(missing) == 1 else ''} not exist.",
                        "Use exactly these key names: the part between { and } is the hash tag. " + HASH_TAG_HINT,
                    )
                )
                continue
        else:
            raise CheckParamError(f"{where}.same_slot: each entry is a list of ≥ 2 keys or a {{match = ...}} table")
        slots = {key_slot(k.encode()) for k in keys}
        if len(slots) == 1:
            verified.append(f"{label} share hash slot {slots.pop()}")
        else:
            problems.append(
                Problem(
                    f"Expected {label} to share one hash slot, but they are spread over {len(slots)}: "
                    f"{_slot_list(keys)}. Multi-key commands on them fail with CROSSSLOT.",
                    HASH_TAG_HINT,
                )
            )
    return problems


def _check_single_shard(run: RedisRun, lookups: Any, where: str, verified: list[str]) -> list[Problem]:
    lookups = [lookups] if isinstance(lookups, dict) else lookups
    if not isinstance(lookups, list) or not all(isinstance(x, dict) for x in lookups):
        raise CheckParamError(f"{where}.single_shard_lookup: must be a list of tables")
    deployment = run.deployment
    problems = []
    for lookup in lookups:
        if "command" in lookup:
            text = str(lookup["command"])
            try:
                argv = split_command_line(text)
            except CommandSyntaxError as exc:
                raise CheckParamError(f"{where}.single_shard_lookup: `{text}`: {exc.problem}") from None
            keys = [k.decode("utf-8", "backslashreplace") for k in deployment.keys_of(argv)]
            if not keys:
                raise CheckParamError(f"{where}.single_shard_lookup: `{text}` has no key arguments")
            slots = {key_slot(k.encode()) for k in keys}
            shards = {deployment.node_for_key(k) for k in keys}
            if len(slots) > 1:
                problems.append(
                    Problem(
                        f"`{text}` needs keys from {len(slots)} hash slots on {len(shards)} shard(s) "
                        f"({_slot_list(keys)}), so the cluster answers CROSSSLOT instead of reading them at once.",
                        HASH_TAG_HINT,
                    )
                )
                continue
            try:
                reply: Any = CommandRouter(deployment, learner=False).call(*argv)
            except RedisReplyError as exc:
                reply = exc
            if isinstance(reply, RedisReplyError) or (isinstance(reply, list) and all(x is None for x in reply)):
                problems.append(
                    Problem(
                        f"`{text}` reaches one shard but does not find the data: it returned {format_reply(reply)}.",
                        "Use exactly the key names the lab asks for, with the data types it asks for.",
                    )
                )
            else:
                verified.append(f"`{text}` is answered by one shard")
        elif "match" in lookup:
            pattern = str(lookup["match"])
            minimum = int(lookup.get("min_keys", 1))
            by_node = run.keys_by_node(pattern)
            holding = {node: keys for node, keys in by_node.items() if keys}
            total = sum(len(keys) for keys in holding.values())
            if total < minimum:
                problems.append(
                    Problem(
                        f"Expected at least {minimum} key(s) matching `{pattern}`, found {total}.",
                        "Check the key names against the lab's instructions.",
                    )
                )
            elif len(holding) > 1:
                spread = ", ".join(f"shard {node + 1}: {len(keys)}" for node, keys in sorted(holding.items()))
                problems.append(
                    Problem(
                        f"Reading every key matching `{pattern}` touches {len(holding)} shards ({spread}); "
                        "the lab expects one.",
                        HASH_TAG_HINT,
                    )
                )
            else:
                verified.append(f"the {total} key(s) matching `{pattern}` live on one shard")
        else:
            raise CheckParamError(f"{where}.single_shard_lookup: each entry needs 'command' or 'match'")
    return problems


def _check_distribution(run: RedisRun, config: Any, where: str, verified: list[str]) -> list[Problem]:
    if not isinstance(config, dict) or "pattern" not in config:
        raise CheckParamError(f"{where}.distribution: must be a table with 'pattern' (and max_skew, min_keys)")
    pattern = str(config["pattern"])
    max_skew = float(config.get("max_skew", 2.0))
    minimum = int(config.get("min_keys", 1))
    counts = {node: len(keys) for node, keys in run.keys_by_node(pattern).items()}
    total = sum(counts.values())
    spread = ", ".join(f"shard {node + 1}: {count}" for node, count in sorted(counts.items()))
    if total < minimum:
        return [
            Problem(
                f"Expected at least {minimum} key(s) matching `{pattern}` across the cluster, found {total}.",
                "Check the key names against the lab's instructions; commands that failed wrote nothing.",
            )
        ]
    # With generate = {...}, the design is judged over ≥ 1,000 generated customers, not these few keys.
    keys = [k.decode("utf-8", "backslashreplace") for k in run.scan(pattern)]
    generated = design.check_generated_distribution(run, keys, config, where, verified)
    if generated is not None:
        return generated
    low, high = min(counts.values()), max(counts.values())
    skew = high / low if low else float("inf")
    if skew <= max_skew:
        verified.append(f"the {total} keys matching `{pattern}` spread over the shards ({spread}), skew {skew:.2f}")
        return []
    seen = "one shard holds none of them" if not low else f"the busiest shard holds {skew:.1f}× the quietest"
    slots = {key_slot(k) for keys in run.keys_by_node(pattern).values() for k in keys}
    if len(slots) == 1:
        hint = (
            f"All {total} keys hash to slot {slots.pop()}: a hash tag shared by every key (like {{users}}) "
            "puts everything on one shard. Tag with what varies, e.g. {user:42}."
        )
    else:
        hint = "Keys spread by the hash of their name, or of their {hash tag}. " + HASH_TAG_HINT
    return [
        Problem(
            f"Expected the keys matching `{pattern}` to spread evenly over the {len(counts)} shards "
            f"(busiest / quietest ≤ {max_skew:g}), but {seen} ({spread}).",
            hint,
        )
    ]
