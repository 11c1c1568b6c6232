"""Bounded copies of learner output, made *before* anything formats it.

A learner controls what their query or command returns: a string of megabytes, an array of
millions of elements, nesting hundreds of levels deep, an integer of thousands of digits.
Formatting that as it is (json.dumps, str, repr) costs the grader memory and time in
proportion to it, or raises (RecursionError, int-to-str limits). Everything that renders
learner output into a message or an artifact passes it through ``clip`` first, which looks
at a fixed number of elements whatever the input's size, so its cost is bounded too.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 8  # levels shown; deeper containers become a marker
MAX_ITEMS = 20  # elements (or fields) shown per container
MAX_CHARS = 200  # characters shown per string
MAX_INT_DIGITS = 40  # integers longer than this are shown by their size


def clip_text(text: str, limit: int = MAX_CHARS) -> str:
    """At most ``limit`` characters, with "…" and the length left out when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + f"… ({len(text) - limit + 1} more characters)"


def clip(value: Any, depth: int = MAX_DEPTH, items: int = MAX_ITEMS, chars: int = MAX_CHARS) -> Any:
    """A copy of ``value`` with at most ``items`` elements per container, ``depth`` levels and
    ``chars`` characters per string; other types (dates, ObjectIds, floats) are kept as they
    are, so BSON-aware renderers still see them. Cut parts are replaced by a marker string
    that says how much was left out, so a learner sees that output was shortened."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_DIGITS * 3.33:  # str() of a huge int is quadratic, or refused
            return f"<a whole number of {value.bit_length()} bits>"
        return value
    if isinstance(value, str):
        return clip_text(value, chars)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value[: chars + 1])
        return data[:chars] + (b"..." if len(value) > chars else b"")
    if isinstance(value, dict):
        if depth <= 0:
            return f"{{… {len(value)} field(s)}}"
        shown: dict[Any, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= items:
                shown["…"] = f"{len(value) - items} more field(s)"
                break
            shown[clip_text(str(key), chars) if not isinstance(key, (int, float)) else key] = clip(
                item, depth - 1, items, chars
            )
        return shown
    if isinstance(value, (list, tuple)):
        if depth <= 0:
            return f"[… {len(value)} element(s)]"
        listed = [clip(item, depth - 1, items, chars) for item in value[:items]]
        if len(value) > items:
            listed.append(f"… {len(value) - items} more")
        return tuple(listed) if isinstance(value, tuple) else listed
    return value
