"""Redis Cluster key design, judged as a design rather than by a dozen samples.

- ``distribution`` with ``generate``: a learner's keys for a few customers say how they name
  every customer's keys. Each key is turned into a template by replacing the customer id in it
  (``{user:1401}:cart`` → ``{user:<id>}:cart``), the templates are applied to ``count`` other
  ids, and the balance is judged on where those generated keys land. Twelve keys spread over
  three shards by luck of the hash; a thousand show the design.
- ``hashes``: each customer's hash holds exactly the fields the lab asks for, found by the id
  and a word of the key name (the learner chooses the names).
- ``transactions``: each customer's keys were written by one MULTI/EXEC block that committed.
"""

from __future__ import annotations

import re
from typing import Any

from redis.crc import key_slot

from labs.checks.redis import CheckParamError, Problem, same, show
from labs.sandbox.redis import CommandSyntaxError, RedisReplyError, RedisRun, split_command_line

GENERATED_IDS_FROM = 100_000  # generated ids: far from any id a lab's data uses
MIN_GENERATED = 1000
PLACEHOLDER = "\x00id\x00"


def key_templates(keys: list[str], ids: list[str]) -> tuple[list[str], list[str]]:
    """(templates, keys with no id): each key with its customer id replaced by a placeholder."""
    templates: dict[str, None] = {}
    fixed = []
    for key in keys:
        for id_ in ids:
            pattern = rf"(?<![0-9]){re.escape(id_)}(?![0-9])"
            if re.search(pattern, key):
                templates[re.sub(pattern, PLACEHOLDER, key)] = None
                break
        else:
            fixed.append(key)
    return list(templates), fixed


def generated_counts(run: RedisRun, templates: list[str], fixed: list[str], count: int) -> dict[int, int]:
    """Keys per shard when every template is applied to ``count`` generated ids."""
    deployment = run.deployment
    counts = {node.index: 0 for node in deployment.nodes}
    for template in templates:
        for n in range(GENERATED_IDS_FROM, GENERATED_IDS_FROM + count):
            counts[deployment.node_for_slot(key_slot(template.replace(PLACEHOLDER, str(n)).encode()))] += 1
    for key in fixed:
        counts[deployment.node_for_slot(key_slot(key.encode()))] += 1
    return counts


def check_generated_distribution(
    run: RedisRun, keys: list[str], config: dict[str, Any], where: str, verified: list[str]
) -> list[Problem] | None:
    """The balance of the naming scheme over ≥ 1,000 generated ids; None when not configured."""
    generate = config.get("generate")
    if generate is None:
        return None
    if not isinstance(generate, dict) or "ids" not in generate:
        raise CheckParamError(f"{where}.distribution.generate: needs ids = [first, last] (the lab's customer ids)")
    first, last = (int(x) for x in generate["ids"])
    count = max(MIN_GENERATED, int(generate.get("count", MIN_GENERATED)))
    ids = [str(n) for n in range(first, last + 1)]
    templates, fixed = key_templates(keys, ids)
    counts = generated_counts(run, templates, fixed, count)
    total = sum(counts.values())
    low, high = min(counts.values()), max(counts.values())
    max_skew = float(config.get("max_skew", 2.0))
    skew = high / low if low else float("inf")
    spread = ", ".join(f"shard {node + 1}: {n:,}" for node, n in sorted(counts.items()))
    shown = ", ".join(f"`{t.replace(PLACEHOLDER, '<id>')}`" for t in templates[:3]) or "no id in the names"
    if skew <= max_skew:
        verified.append(
            f"your naming scheme ({shown}) applied to {count:,} more customers spreads {total:,} keys evenly "
            f"({spread}; busiest / quietest {skew:.2f})"
        )
        return []
    varying = {key_slot(t.replace(PLACEHOLDER, str(n)).encode()) for t in templates[:1] for n in range(1, 9)}
    why = (
        "the part of the name that is hashed does not change from one customer to the next"
        if len(varying) <= 1
        else "the hashed part of the names takes too few different values"
    )
    return [
        Problem(
            f"Your naming scheme ({shown}), applied to {count:,} more customers, puts {spread} keys on the shards "
            f"(busiest / quietest {'∞' if not low else f'{skew:.1f}'}; allowed {max_skew:g}): {why}.",
            "Think about which part of a key name the cluster hashes, and which value differs from one customer "
            "to the next.",
        )
    ]


def _keys_of(run: RedisRun, id_: str, word: str) -> list[str]:
    pattern = rf"(?<![0-9]){re.escape(id_)}(?![0-9])"
    return [
        k
        for k in (b.decode("utf-8", "backslashreplace") for b in run.scan(f"*{id_}*"))
        if word in k and re.search(pattern, k)
    ]


def check_hashes(run: RedisRun, items: Any, where: str, verified: list[str]) -> list[Problem]:
    """Each entry: {id = "1401", word = "profile", equals = {name = "Ada Okafor"}}."""
    if not isinstance(items, list) or not all(isinstance(i, dict) and {"id", "word", "equals"} <= i.keys() for i in items):  # noqa: E501
        raise CheckParamError(f"{where}.hashes: a list of {{id = ..., word = ..., equals = {{field = value}}}}")
    problems = []
    for item in items:
        id_, word, expected = str(item["id"]), str(item["word"]), item["equals"]
        keys = _keys_of(run, id_, word)
        if len(keys) != 1:
            found = "none" if not keys else ", ".join(f"`{k}`" for k in keys[:3])
            problems.append(
                Problem(
                    f"Expected one key for customer {id_} with `{word}` in its name; found {found}.",
                    "One hash per customer and kind, its name holding the customer's id and the word.",
                )
            )
            continue
        key = keys[0]
        kind = str(run.call("TYPE", key))
        if kind != "hash":
            problems.append(Problem(f"`{key}` is a {kind}, not a hash.", "The lab stores each of them as a hash."))
            continue
        flat = [x.decode("utf-8", "backslashreplace") for x in run.call("HGETALL", key)]
        actual = {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
        if same(expected, actual):
            continue
        problems.append(
            Problem(
                f"`{key}` holds {show(actual)}; the lab's table asks for {show(expected)}.",
                "Compare the hash's field names and values with the table in the lab's instructions.",
            )
        )
    if not problems:
        verified.append(f"the {len(items)} hashes hold the fields and values of the lab's table")
    return problems


def check_transactions(run: RedisRun, config: Any, where: str, verified: list[str]) -> list[Problem]:
    """{ids = [first, last], words = ["cart", "profile"]}: each id's keys in one committed block."""
    if not isinstance(config, dict) or "ids" not in config or "words" not in config:
        raise CheckParamError(f"{where}.transactions: needs ids = [first, last] and words = [...]")
    first, last = (int(x) for x in config["ids"])
    words = [str(w) for w in config["words"]]
    blocks = committed_blocks(run)
    missing, split = [], []
    for n in range(first, last + 1):
        pattern = re.compile(rf"(?<![0-9]){n}(?![0-9])")
        holding = [b for b in blocks if all(any(pattern.search(k) and w in k for k in b) for w in words)]
        if holding:
            continue
        partial = [b for b in blocks if any(pattern.search(k) for k in b)]
        (split if partial else missing).append(str(n))
    problems = []
    if missing:
        problems.append(
            Problem(
                f"{len(missing)} customer(s) ({', '.join(missing[:6])}{' …' if len(missing) > 6 else ''}) have no "
                f"MULTI/EXEC block that committed with their {' and '.join(words)} writes.",
                "Sign-up writes both hashes in one transaction: one MULTI … EXEC block per customer, and EXEC "
                "must succeed (a refused command inside aborts the whole block).",
            )
        )
    if split:
        problems.append(
            Problem(
                f"Customer(s) {', '.join(split[:6])} have their {' and '.join(words)} written by different "
                "transactions; the lab asks for both writes in one block.",
                "Put both HSETs of a customer between the same MULTI and EXEC.",
            )
        )
    if not problems:
        verified.append(f"each of the {last - first + 1} customers was written by one committed transaction")
    return problems


def committed_blocks(run: RedisRun) -> list[list[str]]:
    """The keys written by each MULTI/EXEC block whose EXEC committed, from the transcript."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for step in run.transcript.steps:
        try:
            argv = split_command_line(step.text, step.line)
        except CommandSyntaxError:
            continue
        name = argv[0].upper() if argv else b""
        if name == b"MULTI":
            current = []
        elif name == b"EXEC":
            if current is not None and isinstance(step.reply, list) and not isinstance(step.reply, RedisReplyError):
                blocks.append(current)
            current = None
        elif name == b"DISCARD":
            current = None
        elif current is not None:
            current += [k.decode("utf-8", "backslashreplace") for k in run.deployment.keys_of(argv)]
    return blocks
