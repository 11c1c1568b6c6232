"""What *kind* of case an answer gets wrong on a hidden dataset, without showing the case.

The hidden dataset exists so a hard-coded answer fails; quoting its rows (or the reference's
output on it) in a message would hand the learner exactly what to hard-code. So messages
about it name the kind of data that tripped the answer - ties, NULLs or missing fields,
empty groups, another shape - found by looking at the rows that differ, and show none of
their values. Counts are fine: they are what the lab already says about its own data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

NULLS = "rows or documents with NULLs or missing fields"
EMPTY = "empty groups (a count or total of 0, an empty list)"
TIES = "ties (equal values where the order is decided)"
DUPLICATES = "duplicates"
SHAPE = "another shape of data (other values, group sizes and spreads than the lab's data)"

HINTS = {
    NULLS: "Decide what a missing field or a NULL should do: grouping keeps them as their own group, "
    "sums skip or count them as 0, comparisons with NULL are never true.",
    EMPTY: "Groups without matching rows still have to appear (outer joins, COALESCE, $ifNull), "
    "or must not, as the lab asks.",
    TIES: "Break ties the way the lab asks: add a second sort key, and do not rely on the order of equal values.",
    DUPLICATES: "Equal values may appear more than once: count them once only where the lab says so.",
    SHAPE: "Compute every value from the data rather than from what the lab's data happens to hold.",
}
_SCAN_LIMIT = 2000  # values looked at per row: enough to classify, bounded for hostile output


def _leaves(value: Any, budget: list[int]) -> Iterable[Any]:
    stack = [value]
    while stack and budget[0] > 0:
        item = stack.pop()
        budget[0] -= 1
        if isinstance(item, dict):
            if not item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            if not item:
                yield item
            stack.extend(item)
        else:
            yield item


def _is_null(value: Any) -> bool:
    return value is None


def _is_empty(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    return isinstance(value, (list, tuple, dict, str)) and len(value) == 0


def kinds_of(
    differing: Iterable[Any], expected: list[Any] | None = None, missing_field: Callable[[Any], bool] | None = None
) -> list[str]:
    """The kinds of case among the rows (tuples) or documents (dicts) that differ; SHAPE when
    nothing more specific shows. ``missing_field`` tells whether a document lacks a field
    that others have (documents only)."""
    kinds: list[str] = []
    for row in list(differing)[:50]:
        budget = [_SCAN_LIMIT]
        leaves = list(_leaves(row, budget))
        lacks = missing_field is not None and missing_field(row)
        if (lacks or any(_is_null(v) for v in leaves)) and NULLS not in kinds:
            kinds.append(NULLS)
        if any(_is_empty(v) for v in leaves) and EMPTY not in kinds:
            kinds.append(EMPTY)
    if expected is not None and _has_duplicates(expected) and DUPLICATES not in kinds:
        kinds.append(DUPLICATES)
    return kinds or [SHAPE]


def _has_duplicates(rows: list[Any]) -> bool:
    seen = set()
    for row in rows[:1000]:
        key = repr(row)[:500]
        if key in seen:
            return True
        seen.add(key)
    return False


def has_ties(sort_values: list[Any]) -> bool:
    """Whether two consecutive rows share their sort values (then several orders are right)."""
    return any(a == b for a, b in zip(sort_values, sort_values[1:], strict=False))


def describe(kinds: list[str]) -> str:
    """'..., which has ties and empty groups' - the phrase a hidden-dataset message ends with."""
    return " and ".join(kinds[:3])


def hint_for(kinds: list[str]) -> str:
    return " ".join(HINTS[k] for k in kinds[:2] if k in HINTS)


def value_case(expected: Any, actual: Any) -> str:
    """How a hidden-dataset value (a Redis key's) differs from the expected one, without any of its values."""
    if actual is None:
        return "the key does not exist there"
    if not isinstance(actual, (list, dict, str, int, float)):
        return f"yours is {actual}"  # a key too big to read, shown by its size
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return (
                f"it has {len(actual)} element(s) where {len(expected)} are expected (members present in only one "
                "source, or an empty source, change the count)"
            )
        if sorted(map(repr, expected)) == sorted(map(repr, actual)):
            return "the same elements in another order (ties: equal scores are ordered by member name)"
        return "other values (check how scores combine: summed, kept the highest, or missing in one source)"
    if isinstance(expected, dict) and isinstance(actual, dict) and set(map(str, expected)) != set(actual):
        return "other fields (a field missing, or one too many)"
    return "another value (computed from other data than the lab's, it must still come out right)"
