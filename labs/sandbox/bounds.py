"""Limits on what a learner's MongoDB answer may make the grader hold: nesting depth,
integer range and document size, checked without recursion and with a byte budget, so a
hostile answer costs the grader a bounded amount of time and memory whatever its shape.

MongoDB itself refuses documents over 16 MiB of BSON and nesting deeper than 100 levels;
the emulated engine (mongomock) has neither limit, so we apply them the way MongoDB does:
as errors of the operation or the query, which are the learner's, never the platform's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

MAX_BSON_SIZE = 16 * 1024 * 1024  # MongoDB's BSONObjMaxUserSize
MAX_NESTING = 100  # MongoDB's documented limit on nested documents and arrays
# A query's whole result crosses a pipe into the grader and is compared and previewed there:
# lab results are a few kilobytes, so this is generous while keeping the grader's memory small.
MAX_RESULT_BYTES = 8 * 1024 * 1024
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    """Nesting beyond MAX_NESTING; ``offset`` is where in the text (or None for a value)."""

    def __init__(self, depth: int, offset: int | None = None):
        self.depth, self.offset = depth, offset
        super().__init__(f"nested more than {MAX_NESTING} levels deep")


class TooLarge(ValueError):
    """A document whose BSON size is over the budget; ``size`` is at least that much."""

    def __init__(self, size: int, limit: int):
        self.size, self.limit = size, limit
        # MongoDB's own wording (BSONObjMaxInternalSize is 16 MiB + 16 KiB), so it reads the same on both engines
        super().__init__(f"BSONObj size: {size} (0x{size:X}) is invalid. Size must be between 0 and 16793600(16MB)")


class IntegerOutOfRange(ValueError):
    """An integer that no BSON type holds (MongoDB's integers are at most 64 bits)."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(f"{path or 'a value'} is an integer beyond 64 bits, which MongoDB cannot store")


def json_depth_error(text: str) -> tuple[int, int, int] | None:
    """(line, column, depth) of the first bracket nested deeper than MAX_NESTING, else None.

    Runs before the JSON parser, whose C scanner recurses and turns deep nesting into a
    RecursionError; strings are skipped, so brackets inside them do not count."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                offset = match.start()
                line = text.count("\n", 0, offset) + 1
                column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                return line, column, depth
        else:
            depth -= 1
    return None


def check_integers(value: Any, path: str = "") -> None:
    """IntegerOutOfRange for the first integer outside int64 (iteratively, any depth)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise IntegerOutOfRange(where)
        elif isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))


def _digits_total(n: int) -> int:
    """The total length of the decimal keys "0" .. str(n - 1) of an n-element BSON array."""
    total, width, start = 0, 1, 0
    while start < n:
        end = min(n, 10**width)
        total += (end - start) * width
        start, width = end, width + 1
    return total


def _scalar_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1 if isinstance(value, bool) else 0
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:  # mongomock's arithmetic does not overflow; MongoDB's does
            raise IntegerOutOfRange("")
        return 4 if -(2**31) <= value < 2**31 else 8
    if isinstance(value, float):
        return 8
    if isinstance(value, str):
        return 5 + (len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass")))
    if isinstance(value, (bytes, bytearray)):
        return 5 + len(value)
    if isinstance(value, datetime):
        return 8
    name = type(value).__name__
    if name == "ObjectId":
        return 12
    if name == "Decimal128":
        return 16
    if name == "Regex":
        return len(str(getattr(value, "pattern", ""))) + 10
    return 16  # Timestamp, MinKey, Code...: small fixed-size BSON types


def _entries(container: Any) -> Iterator[tuple[int, Any]]:
    """(key length, value) of a document's or array's elements."""
    if isinstance(container, dict):
        return ((len(str(k)), v) for k, v in container.items())
    return ((len(str(i)), v) for i, v in enumerate(container))


def bson_size(document: Any, limit: int = MAX_BSON_SIZE) -> int:
    """The BSON size of ``document`` (close to what bson.encode gives), or TooLarge as soon as
    it passes ``limit``, or TooDeep. Work is bounded by the budget, not by the document: a
    structure that shares sub-arrays (each doubling step referring to the last) is no cheaper
    to measure than to render, so we stop counting at the limit instead of walking it all."""
    size = 5  # int32 length + terminating NUL
    stack = [(_entries(document), 1)]
    while stack:
        entries, depth = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        key_length, value = entry
        size += 2 + key_length  # type byte, key, NUL
        if isinstance(value, (dict, list, tuple)):
            if depth + 1 > MAX_NESTING:
                raise TooDeep(depth + 1)
            size += 5
            # Every element costs at least its type byte, key and NUL: a huge array is refused
            # from its length alone, without visiting its elements.
            floor = 2 * len(value) + _digits_total(len(value)) if isinstance(value, (list, tuple)) else 0
            if size + floor > limit:
                raise TooLarge(size + floor, limit)
            stack.append((_entries(value), depth + 1))
        else:
            size += _scalar_size(value)
        if size > limit:
            raise TooLarge(size, limit)
    return size
