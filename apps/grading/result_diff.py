"""A verdict's result diff: the learner's rows with what differs from the expected rows marked
cell by cell. Built from what the result checks already store (labs/checks/result.py,
mariadb_result.py, mongo.py): the learner's ``preview``, the ``diff`` of rows missing and rows
that should not be there (visible dataset only), a row out of order (``first_difference``) and
a few ``expected_preview`` rows.

What an instructor hides stays hidden: without the "expected output" detail level, only the
learner's own rows that should not be there are marked and missing rows are counted, never
shown; no cell is paired with its expected value (that would tell the value). The hidden
dataset's rows are never in the artifacts, so never here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

TOLERANCE = 1e-6  # the result checks' default: values this close are the same value

SAME, EXTRA, MISSING, CHANGED, MOVED = "same", "extra", "missing", "changed", "moved"
ROW_LABELS = {
    EXTRA: "should not be there",
    MISSING: "missing from your result",
    CHANGED: "differs from the expected row",
    MOVED: "out of order",
}
ROW_MARKS = {EXTRA: "+", MISSING: "−", CHANGED: "≠", MOVED: "↕"}


@dataclass(frozen=True)
class Cell:
    value: Any
    changed: bool = False
    expected: Any = None  # the expected value of a changed cell, when the policy shows it
    shows_expected: bool = False

    @property
    def is_null(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class DiffRow:
    status: str
    cells: list[Cell]

    @property
    def label(self) -> str:
        return ROW_LABELS.get(self.status, "")

    @property
    def mark(self) -> str:
        return ROW_MARKS.get(self.status, "")


@dataclass
class ResultDiff:
    columns: list[str]
    rows: list[DiffRow] = field(default_factory=list)
    missing_count: int = 0  # expected rows the learner's result lacks (all of them, shown or not)
    extra_count: int = 0
    missing_not_shown: int = 0  # missing rows counted but not listed (policy, or beyond the sample)
    truncated: bool = False  # the learner's rows were cut to the preview's length
    shows_expected: bool = False

    @property
    def statuses(self) -> set[str]:
        return {row.status for row in self.rows}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except (InvalidOperation, ValueError):
            return None
        return number if number.is_finite() else None
    return None


def same_value(a: Any, b: Any) -> bool:
    """Equal as the result check would see them in the stored (JSON) artifacts: numbers (and
    numeric text, how Postgres numerics are stored) within the tolerance, else exactly."""
    if a is None or b is None:
        return a is None and b is None
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return abs(x - y) <= Decimal(str(TOLERANCE)) * max(Decimal(1), abs(x), abs(y))
    return a == b


def _same_row(a: list, b: list) -> bool:
    return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))


def _pair_score(mine: list, want: list) -> int:
    """How well a wrong row matches a missing one: -1 when it should not be paired. The first
    column is usually the row's key (a name, an id): rows that agree on it pair first."""
    if len(mine) != len(want) or len(mine) < 2:
        return -1
    equal = sum(same_value(x, y) for x, y in zip(mine, want, strict=True))
    if same_value(mine[0], want[0]):
        return 1000 + equal
    return equal if equal * 2 >= len(mine) else -1


def _pair(extra: list[list], missing: list[list]) -> dict[int, int]:
    """Greedy best pairs: index in ``extra`` -> index in ``missing``."""
    scored = ((_pair_score(row, want), i, j) for i, row in enumerate(extra) for j, want in enumerate(missing))
    candidates = sorted((item for item in scored if item[0] >= 0), key=lambda item: (-item[0], item[1], item[2]))
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in candidates:
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs


def _table(artifact: Any) -> tuple[list[str], list[list]] | None:
    if not isinstance(artifact, dict) or not isinstance(artifact.get("rows"), list):
        return None
    rows = [list(row) for row in artifact["rows"] if isinstance(row, list)]
    return [str(c) for c in artifact.get("columns") or []], rows


def _multiset_difference(mine: list[list], want: list[list]) -> tuple[list[list], list[list]]:
    """(rows of ``want`` not in ``mine``, rows of ``mine`` not in ``want``), counting duplicates."""
    unmatched = list(mine)
    missing = []
    for row in want:
        index = next((i for i, have in enumerate(unmatched) if _same_row(have, row)), None)
        if index is None:
            missing.append(row)
        else:
            unmatched.pop(index)
    return missing, unmatched


def build_result_diff(check: dict, *, shows_expected: bool) -> ResultDiff | None:
    """The diff of a failed check's result, or None when there is nothing to mark (a passed
    check, another kind of check, a failure that is not about rows: columns, types, errors)."""
    if not isinstance(check, dict) or check.get("passed"):
        return None
    artifacts = check.get("artifacts") or {}
    mine_table = _table(artifacts.get("preview"))
    if mine_table is None:
        return None
    columns, mine = mine_table
    preview = artifacts["preview"]
    diff = artifacts.get("diff") if isinstance(artifacts.get("diff"), dict) else None
    expected_table = _table(artifacts.get("expected_preview"))

    if diff and "first_difference" in diff:
        return _order_diff(columns, mine, diff["first_difference"], expected_table, shows_expected, preview)
    if diff and ("missing" in diff or "unexpected" in diff):
        missing = [list(r) for r in diff.get("missing") or []]
        extra = [list(r) for r in diff.get("unexpected") or []]
        missing_count = int(diff.get("missing_count", len(missing)))
        extra_count = int(diff.get("unexpected_count", len(extra)))
    elif (
        expected_table
        and expected_table[0] == columns
        and not preview.get("truncated")
        and not artifacts["expected_preview"].get("truncated")
    ):
        # Whole results on both sides (the Mongo checks store them): compare them here.
        missing, extra = _multiset_difference(mine, expected_table[1])
        missing_count, extra_count = len(missing), len(extra)
    else:
        return None
    if not missing and not extra:
        return None
    if any(len(row) != len(columns) for row in missing + extra):
        return None  # the columns differ: the check's message says so, cells cannot be lined up
    return _rows_diff(columns, mine, missing, extra, missing_count, extra_count, shows_expected, preview)


def _rows_diff(
    columns: list[str],
    mine: list[list],
    missing: list[list],
    extra: list[list],
    missing_count: int,
    extra_count: int,
    shows_expected: bool,
    preview: dict,
) -> ResultDiff:
    # Pairing a wrong row with its expected row tells the expected values: only when shown.
    pairs = _pair(extra, missing) if shows_expected else {}
    paired_missing = set(pairs.values())
    left = list(range(len(extra)))  # extra rows not yet found among the learner's rows
    rows: list[DiffRow] = []
    for row in mine:
        found = next((i for i in left if _same_row(extra[i], row)), None)
        if found is None:
            rows.append(DiffRow(SAME, [Cell(v) for v in row]))
            continue
        left.remove(found)
        rows.append(_marked_row(row, missing[pairs[found]] if found in pairs else None, shows_expected))
    for i in left:  # beyond the preview (or reordered columns): still listed
        rows.append(_marked_row(extra[i], missing[pairs[i]] if i in pairs else None, shows_expected))
    listed_missing = 0
    if shows_expected:
        for j, want in enumerate(missing):
            if j not in paired_missing:
                rows.append(DiffRow(MISSING, [Cell(v) for v in want]))
                listed_missing += 1
    return ResultDiff(
        columns=columns,
        rows=rows,
        missing_count=missing_count,
        extra_count=extra_count,
        missing_not_shown=max(0, missing_count - listed_missing - len(paired_missing)),
        truncated=bool(preview.get("truncated")),
        shows_expected=shows_expected,
    )


def _marked_row(row: list, expected: list | None, shows_expected: bool) -> DiffRow:
    if expected is None:
        return DiffRow(EXTRA, [Cell(v) for v in row])
    cells = [
        Cell(v, changed=not same_value(v, e), expected=e if shows_expected else None, shows_expected=shows_expected)
        for v, e in zip(row, expected, strict=True)
    ]
    return DiffRow(CHANGED, cells)


def _order_diff(
    columns: list[str],
    mine: list[list],
    position: Any,
    expected_table: tuple[list[str], list[list]] | None,
    shows_expected: bool,
    preview: dict,
) -> ResultDiff | None:
    """Right rows, wrong order: the first row out of place is marked; its cells are compared
    with the expected row at that position when that row is shown and the policy allows."""
    if not isinstance(position, int) or not 0 <= position < len(mine):
        return None
    want = None
    if shows_expected and expected_table and position < len(expected_table[1]):
        candidate = expected_table[1][position]
        want = candidate if len(candidate) == len(mine[position]) else None
    rows = []
    for index, row in enumerate(mine):
        if index != position:
            rows.append(DiffRow(SAME, [Cell(v) for v in row]))
        elif want is None:
            rows.append(DiffRow(MOVED, [Cell(v) for v in row]))
        else:
            cells = [
                Cell(v, changed=not same_value(v, e), expected=e, shows_expected=True)
                for v, e in zip(row, want, strict=True)
            ]
            rows.append(DiffRow(MOVED, cells))
    return ResultDiff(columns, rows, truncated=bool(preview.get("truncated")), shows_expected=shows_expected)
