"""Reading a Redis key for a check, bounded: its type, its value (a huge key is reported by its
size, not read), its snapshot (type, value, PTTL); and comparing and showing values in messages.
Shared by the Redis check families and the reference-state cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from labs.checks.output_bounds import clip
from labs.sandbox.redis import (
    RedisRun,
    reply_text,
)

TYPE_NAMES = {
    "string": "a string",
    "list": "a list",
    "set": "a set",
    "zset": "a sorted set (zset)",
    "hash": "a hash",
    "stream": "a stream",
    "none": "missing",
}

# Values read from one key: a learner's key of millions of elements is reported by its size,
# not read into the grader (the reference's keys are small).
MAX_READ_ELEMENTS = 10_000
MAX_READ_BYTES = 1 << 20

# --------------------------------------------------------------------------- reading values


def key_type(run: RedisRun, key: str) -> str:
    return str(run.call("TYPE", key))


def read_value(run: RedisRun, key: str, kind: str | None = None) -> Any:
    """The whole value of a key as plain data: str, list, sorted list (set), [[member, score]]
    (zset), dict (hash), [[id, {field: value}]] (stream); None when missing."""
    kind = kind or key_type(run, key)
    size = _size(run, key, kind)
    if size is not None:
        return size
    if kind == "string":
        return reply_text(run.call("GET", key))
    if kind == "list":
        return reply_text(run.call("LRANGE", key, 0, -1))
    if kind == "set":
        return sorted(reply_text(run.call("SMEMBERS", key)))
    if kind == "zset":
        flat = reply_text(run.call("ZRANGE", key, 0, -1, "WITHSCORES"))
        return [[flat[i], float(flat[i + 1])] for i in range(0, len(flat), 2)]
    if kind == "hash":
        flat = reply_text(run.call("HGETALL", key))
        return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
    if kind == "stream":
        entries = reply_text(run.call("XRANGE", key, "-", "+"))
        return [[entry_id, {f[i]: f[i + 1] for i in range(0, len(f), 2)}] for entry_id, f in entries]
    return None


@dataclass(frozen=True)
class Oversized:
    """A key too big to read: equal to nothing a lab expects, shown by its size."""

    kind: str
    size: int

    def __str__(self) -> str:
        unit = "bytes" if self.kind == "string" else "elements"
        return f"({TYPE_NAMES.get(self.kind, self.kind)} of {self.size:,} {unit}, too big to show)"


_SIZE_COMMANDS = {"string": "STRLEN", "list": "LLEN", "set": "SCARD", "zset": "ZCARD", "hash": "HLEN", "stream": "XLEN"}


def _size(run: RedisRun, key: str, kind: str) -> Oversized | None:
    command = _SIZE_COMMANDS.get(kind)
    if command is None:
        return None
    size = int(run.call(command, key))
    if size > (MAX_READ_BYTES if kind == "string" else MAX_READ_ELEMENTS):
        return Oversized(kind, size)
    return None


def same(expected: Any, actual: Any, tolerance: float = 1e-9) -> bool:
    """Lab-author values (TOML) against Redis values: numbers compare numerically whether
    Redis sent them as integers or text; lists in order; tables as dicts."""
    if isinstance(expected, bool):
        expected = int(expected)
    if isinstance(expected, (int, float)):
        try:
            number = float(actual)
        except (TypeError, ValueError):
            return False
        return math.isclose(float(expected), number, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, str):
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            try:
                return math.isclose(float(expected), float(actual), rel_tol=tolerance, abs_tol=tolerance)
            except ValueError:
                return False
        return expected == actual
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(same(e, a, tolerance) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(map(str, expected)) == set(actual)
            and all(same(v, actual[str(k)], tolerance) for k, v in expected.items())
        )
    return expected == actual


def show(value: Any, limit: int = 160) -> str:
    """A value the way a learner reads it in a message."""
    if value is None:
        return "(nothing)"
    value = clip(value, depth=4, items=11, chars=limit)  # bounded before formatting: it may be the learner's
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        text = "[" + ", ".join(show(v, limit) for v in value[:10]) + (", …" if len(value) > 10 else "") + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {show(v, limit)}" for k, v in list(value.items())[:10]) + "}"
    elif isinstance(value, str):
        text = f'"{value}"'
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- vs the reference


def snapshot(run: RedisRun, key: str) -> tuple[str, Any, int]:
    kind = key_type(run, key)
    return kind, read_value(run, key, kind), int(run.call("PTTL", key))
