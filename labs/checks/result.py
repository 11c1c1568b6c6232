"""The ``result`` check: the learner's rows against the reference solution's rows.

Parameters (all optional)::

    query = "SELECT * FROM top_customers"   # run this after applying the answer as a script;
                                            # without it the answer itself is the query
    ordered = true              # compare order; default: only when the reference query has a
                                # top-level ORDER BY
    ignore_column_names = true  # default true
    ignore_column_order = false # default false
    float_tolerance = 1e-6      # relative (absolute below 1)
    script = true               # without query: the answer's statements run first as a script
                                # (autocommit, like psql: CREATE INDEX CONCURRENTLY works), then
                                # its last statement is the query
    statements = 1              # the answer must run exactly this many statements (an N+1
                                # exercise: one round trip, not one per row); BEGIN/COMMIT not counted
    hint = "..."                # the lab's own hint, shown when the check fails

The check runs on the lab's data and, when the lab has ``hidden.sql``, on a second dataset
with other rows. Rows of the hidden dataset never reach the learner: only counts do.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from labs.checks import hidden_cases
from labs.checks.pg_common import answer_failed, condition_name, sql_error_result
from labs.result import CheckResult
from labs.sandbox.pg_sql import has_top_level_order_by, split_statements
from labs.sandbox.postgres import (
    HIDDEN,
    TRANSACTION_CONTROL,
    VISIBLE,
    LearnerSqlError,
    PgAttempt,
    Rows,
    jsonable,
)
from labs.spec import CheckSpec

SHOWN_DIFF_ROWS = 5
EXPECTED_PREVIEW_ROWS = 3  # rows of the reference result shown beside a learner's


@dataclass
class Options:
    ordered: bool
    ignore_column_names: bool
    ignore_column_order: bool
    tolerance: float


@dataclass
class Verdict:
    ok: bool
    message: str = ""
    hint: str = ""
    diff: dict[str, Any] | None = None
    kind: str = ""  # what differs: truncated, columns, names, order, rows


def check(attempt: PgAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    query = params.get("query")
    solution = attempt.solution
    ordered = params.get("ordered")
    if ordered is None:
        ordered = has_top_level_order_by(query or solution)
    options = Options(
        ordered=bool(ordered),
        ignore_column_names=bool(params.get("ignore_column_names", True)),
        ignore_column_order=bool(params.get("ignore_column_order", False)),
        tolerance=float(params.get("float_tolerance", 1e-6)),
    )
    lab_hint = str(params.get("hint", ""))
    script = bool(params.get("script")) and query is None
    wanted = params.get("statements")
    if wanted is not None:
        counted = statement_count(attempt)
        if counted != int(wanted):
            return CheckResult(
                "result",
                False,
                f"Your answer runs {_rows(counted, 'statement')}; this page may send exactly "
                f"{_rows(int(wanted), 'statement')} to the database (BEGIN and COMMIT not counted).",
                _join_hints(
                    lab_hint,
                    "Every statement is a round trip. Fetch the related rows in the same statement: "
                    "a JOIN, or a subquery, instead of one query per row.",
                ),
            )

    expected = reference_rows(attempt, VISIBLE, query, script=script)
    try:
        mine = learner_rows(attempt, VISIBLE, query, script=script)
    except LearnerSqlError as exc:
        return sql_error_result(exc, lab_hint)
    except _AnswerFailed as exc:
        return exc.result
    artifacts: dict[str, Any] = {
        "preview": mine.preview(attempt.preview_rows),
        # a few rows of the lab's visible data only: the whole expected table on every failure
        # would hand the answer over (the learner copies it instead of writing the query)
        "expected_preview": expected.preview(min(attempt.preview_rows, EXPECTED_PREVIEW_ROWS)),
    }
    verdict = compare(mine, expected, options)
    if not verdict.ok:
        if verdict.diff:
            artifacts["diff"] = verdict.diff
        return CheckResult("result", False, verdict.message, _join_hints(lab_hint, verdict.hint), artifacts=artifacts)

    if attempt.has_hidden:
        hidden_expected = reference_rows(attempt, HIDDEN, query, script=script)
        try:
            hidden_mine = learner_rows(attempt, HIDDEN, query, script=script)
        except LearnerSqlError as exc:
            # the error text may quote hidden values ("invalid input syntax: ..."): name the condition only
            return CheckResult(
                "result",
                False,
                f"On a second dataset with other rows, your query failed with {condition_name(exc.sqlstate)}.",
                _join_hints(lab_hint, "Make the query robust to other data: NULLs, empty groups, zero divisors."),
                artifacts=artifacts,
            )
        except _AnswerFailed as exc:
            return exc.result
        hidden_verdict = compare(hidden_mine, hidden_expected, options)
        if not hidden_verdict.ok:
            return CheckResult(
                "result",
                False,
                _hidden_message(hidden_mine, hidden_expected, hidden_verdict),
                _join_hints(
                    lab_hint,
                    "Your query fits the sample data but not other data. Don't rely on particular ids or values; "
                    "think about rows with NULLs, ties, duplicates and groups without matches.",
                ),
                artifacts=artifacts,
            )
        checked = "on the lab's data and on a second dataset"
    else:
        checked = "on the lab's data"
    order = " in the expected order" if options.ordered else ""
    return CheckResult(
        "result",
        True,
        f"Your query returns the expected {_rows(len(expected.rows))}{order} {checked}.",
        artifacts=artifacts,
    )


class _AnswerFailed(Exception):
    def __init__(self, result: CheckResult):
        self.result = result


def statement_count(attempt: PgAttempt) -> int:
    """How many statements the answer sends (transaction control does not fetch anything)."""
    return sum(1 for s in attempt.statements if s.first_word not in TRANSACTION_CONTROL)


def learner_rows(attempt: PgAttempt, dataset: str, query: str | None, *, script: bool = False) -> Rows:
    """The learner's rows: their answer as the query, or the lab's query after their script
    (``script``: the answer's own last statement after the whole answer ran as a script)."""
    if query is None and not script:
        return attempt.fetch(attempt.statements, dataset)
    outcome = attempt.apply_answer(dataset)
    if not outcome.ok:
        raise _AnswerFailed(answer_failed(outcome))
    if query is None:
        return attempt.fetch(attempt.statements[-1:], dataset)
    return attempt.fetch(query, dataset)


def reference_rows(attempt: PgAttempt, dataset: str, query: str | None, *, script: bool = False) -> Rows:
    """The solution's rows on ``dataset``, computed once per process and lab version."""

    def compute() -> Rows:
        if script:
            database = attempt.scratch_database(dataset)
            with attempt.connect_learner(database, platform=True) as conn:
                statements = split_statements(attempt.solution)
                outcome = attempt.run_script(statements, dataset, conn=conn)
                if not outcome.ok:
                    raise outcome.error
                return attempt.fetch(statements[-1:], dataset, conn=conn)
        if query is None:
            database = attempt.database(dataset)
            with attempt.connect_learner(database, platform=True) as conn:
                return attempt.fetch(split_statements(attempt.solution), dataset, conn=conn)
        database = attempt.scratch_database(dataset)
        with attempt.connect_learner(database, platform=True) as conn:
            outcome = attempt.run_script(attempt.solution, dataset, conn=conn)
            if not outcome.ok:
                raise outcome.error
            return attempt.fetch(query, dataset, conn=conn)

    return attempt.reference(("result", dataset, query, attempt.row_cap, script), compute)


# --------------------------------------------------------------------------- comparing


def compare(mine: Rows, expected: Rows, options: Options) -> Verdict:
    """Do two results match under the lab's options? The message says how they differ."""
    if mine.truncated and not expected.truncated:
        return Verdict(
            False,
            f"Your query returned more than {_rows(len(mine.rows))} (the sandbox stopped reading there); "
            f"the expected result has {_rows(len(expected.rows))}.",
            "A missing join condition multiplies rows (every row paired with every other). "
            "Check each JOIN has its ON condition, and that you filter and group as asked.",
            kind="truncated",
        )
    if len(mine.columns) != len(expected.columns):
        return Verdict(
            False,
            f"Your query returns {len(mine.columns)} columns ({_names(mine.columns)}); "
            f"the expected result has {len(expected.columns)} ({_names(expected.columns)}).",
            "Select exactly the columns the lab asks for, in that order.",
            kind="columns",
        )
    order = list(range(len(mine.columns)))
    if not options.ignore_column_names:
        mine_names = [c.lower() for c in mine.columns]
        want_names = [c.lower() for c in expected.columns]
        if options.ignore_column_order and sorted(mine_names) == sorted(want_names):
            order = [mine_names.index(name) for name in want_names]
        elif mine_names != want_names:
            return Verdict(
                False,
                f"Your columns are named ({_names(mine.columns)}); expected ({_names(expected.columns)}).",
                "Name the result columns with AS, e.g. count(*) AS orders.",
                kind="names",
            )
    elif options.ignore_column_order:
        order = _match_columns(mine, expected, options.tolerance)
    mine_rows = [tuple(row[i] for i in order) for row in mine.rows]
    want_rows = [tuple(row) for row in expected.rows]

    if options.ordered:
        if len(mine_rows) == len(want_rows) and all(
            _rows_equal(a, b, options.tolerance) for a, b in zip(mine_rows, want_rows, strict=True)
        ):
            return Verdict(True)
    elif _same_multiset(mine_rows, want_rows, options.tolerance):
        return Verdict(True)

    mismatched = column_type_mismatches(mine_rows, want_rows)
    if mismatched:
        return _type_verdict(mismatched, mine.columns, mine_rows, want_rows, options)

    if options.ordered and _same_multiset(mine_rows, want_rows, options.tolerance):
        position = next(
            i
            for i, (a, b) in enumerate(zip(mine_rows, want_rows, strict=True))
            if not _rows_equal(a, b, options.tolerance)
        )
        return Verdict(
            False,
            f"Your query returns the right rows but in a different order: row {position + 1} is "
            f"{_show(mine_rows[position])}, expected {_show(want_rows[position])}.",
            "Sort with ORDER BY exactly as the lab asks, including the tie-breaker column.",
            {"first_difference": position},
            kind="order",
        )
    return _describe_difference(mine_rows, want_rows, options.tolerance)


# The kind of a value as a learner thinks of it: int, numeric and float are all numbers (the
# comparison accepts any of them), but text '312.43' is not the number 312.43.
def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, timedelta):
        return "interval"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "json"
    return type(value).__name__


_PLURAL = {
    "number": "numbers",
    "boolean": "booleans",
    "timestamp": "timestamps",
    "date": "dates",
    "time": "times",
    "interval": "intervals",
    "array": "arrays",
    "json": "JSON values",
}


def _plural(kinds: str) -> str:
    return " or ".join(_PLURAL.get(k, k) for k in kinds.split(" or "))


def column_type_mismatches(mine: list[tuple], want: list[tuple]) -> list[tuple[int, str, str]]:
    """Columns whose (non-NULL) values are of another kind than the reference's:
    (column index, learner's kind, expected kind)."""
    found = []
    width = len(want[0]) if want else (len(mine[0]) if mine else 0)
    for i in range(width):
        have = {_kind(row[i]) for row in mine if i < len(row) and row[i] is not None}
        need = {_kind(row[i]) for row in want if row[i] is not None}
        if have and need and not have & need:
            found.append((i, " or ".join(sorted(have)), " or ".join(sorted(need))))
    return found


def _loose(value: Any) -> Any:
    """A value with its type forgotten: numbers and numeric-looking text as Decimal, dates and
    times as ISO text, everything else as text (how psql would print it)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if _is_number(value) and not _non_finite(value):
        return Decimal(str(value)).normalize()
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except ArithmeticError:
            return value
        return number.normalize() if number.is_finite() else value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(jsonable(value))


def _type_verdict(
    mismatched: list[tuple[int, str, str]], columns: list[str], mine: list[tuple], want: list[tuple], options: Options
) -> Verdict:
    """Say 'wrong type' when that is the difference, not 'wrong values'."""
    index, have, need = mismatched[0]
    name = columns[index] if index < len(columns) else str(index + 1)

    def loosened(rows: list[tuple]) -> list[tuple]:
        return [tuple(_loose(v) if i in {m[0] for m in mismatched} else v for i, v in enumerate(r)) for r in rows]

    a, b = loosened(mine), loosened(want)
    if options.ordered:
        same = len(a) == len(b) and all(_rows_equal(x, y, options.tolerance) for x, y in zip(a, b, strict=True))
    else:
        same = _same_multiset(a, b, options.tolerance)
    others = ""
    if len(mismatched) > 1:
        others = (
            " Also of another type: "
            + ", ".join(
                f"column {m[0] + 1} ({columns[m[0]] if m[0] < len(columns) else '?'}: {_plural(m[1])}, "
                f"expected {_plural(m[2])})"
                for m in mismatched[1:]
            )
            + "."
        )
    what = f"Column {index + 1} ({name}) holds {_plural(have)} where the expected result has {_plural(need)}"
    if same:
        message = f"{what}: the values read the same, only their type differs.{others}"
    else:
        message = f"{what}, and some values differ as well.{others}"
    hint = (
        f"Return {_plural(need)} in that column: formatting ({'to_char, ' if need == 'number' else ''}concatenation, "
        "::text) turns a value into text; leave presentation to the application."
        if have == "text"
        else f"Return {_plural(need)} in that column (check the casts and functions that produce it)."
    )
    return Verdict(False, message, hint, {"column": index, "yours": have, "expected": need}, kind="types")


def _describe_difference(mine: list[tuple], want: list[tuple], tolerance: float) -> Verdict:
    mine_keys = Counter(_row_key(r, tolerance) for r in mine)
    want_keys = Counter(_row_key(r, tolerance) for r in want)
    missing_keys = want_keys - mine_keys
    extra_keys = mine_keys - want_keys
    examples = {}
    for row in want:
        examples.setdefault(_row_key(row, tolerance), row)
    for row in mine:
        examples.setdefault(_row_key(row, tolerance), row)
    missing = [examples[k] for k in missing_keys.elements()]
    extra = [examples[k] for k in extra_keys.elements()]
    parts = [f"Your query returned {_rows(len(mine))}; the expected result has {_rows(len(want))}."]
    if missing:
        parts.append(f"{_rows(len(missing), 'expected row')} missing, e.g. {_show_many(missing)}.")
    if extra:
        parts.append(f"{_rows(len(extra), 'row')} should not be there, e.g. {_show_many(extra)}.")
    duplicated = [k for k, n in mine_keys.items() if n > 1 and n > want_keys.get(k, 0)]
    if duplicated:
        hint = "Some rows appear more often than expected: a JOIN may multiply rows; aggregate or use DISTINCT."
    elif len(mine) < len(want):
        hint = (
            "Rows are missing: an inner JOIN drops rows that have no match (try LEFT JOIN), "
            "and a WHERE on the joined table can undo a LEFT JOIN."
        )
    elif len(mine) > len(want):
        hint = "Extra rows: check your filters (WHERE/HAVING) and the join conditions."
    else:
        hint = (
            "Same number of rows but different values: check aggregates over NULLs (count(col) skips NULLs, "
            "sum of no rows is NULL — COALESCE it), rounding, and which column you group by."
        )
    diff = {
        "missing": [[jsonable(v) for v in r] for r in missing[:SHOWN_DIFF_ROWS]],
        "unexpected": [[jsonable(v) for v in r] for r in extra[:SHOWN_DIFF_ROWS]],
        "missing_count": len(missing),
        "unexpected_count": len(extra),
    }
    return Verdict(False, " ".join(parts), hint, diff, kind="rows")


def _hidden_message(mine: Rows, expected: Rows, verdict: Verdict) -> str:
    """Counts and the kind of case (ties, NULLs, empty groups...), never a hidden row."""
    got = f"more than {len(mine.rows)}" if mine.truncated else str(len(mine.rows))
    base = f"On a second dataset with other rows, your query returned {got} rows, expected {len(expected.rows)}"
    if verdict.kind in ("columns", "names", "types"):  # these messages quote no row
        return f"On a second dataset with other rows, your result's columns differ: {verdict.message}"
    if not mine.truncated and len(mine.rows) == len(expected.rows):
        same = (
            f"On a second dataset with other rows, your query returned the expected number of rows ({len(mine.rows)})"
        )
        if verdict.kind == "order":
            return same + (
                ", but in a different order. This data has ties or NULLs in the sort columns: order by enough "
                "columns to decide every tie, and remember that NULLs sort last in ascending order."
            )
        differing = (verdict.diff or {}).get("missing_count")
        if differing:
            return same + f", but {differing} of them differ from the expected rows{_hidden_kinds(mine, expected)}."
        return same + f", but they differ from the expected rows{_hidden_kinds(mine, expected)}."
    return base + _hidden_kinds(mine, expected) + "."


def _hidden_kinds(mine: Rows, expected: Rows) -> str:
    """'; the rows that differ involve NULLs ...' from the rows in one result and not the other."""
    want, have = Counter(map(repr, expected.rows)), Counter(map(repr, mine.rows))
    missing = [row for row in expected.rows if want[repr(row)] > have[repr(row)]]
    extra = [row for row in mine.rows if have[repr(row)] > want[repr(row)]]
    counted = expected.rows if len(mine.rows) != len(expected.rows) else None
    kinds = hidden_cases.kinds_of(missing + extra, counted)
    return f"; the rows that differ involve {hidden_cases.describe(kinds)}"


def _match_columns(mine: Rows, expected: Rows, tolerance: float) -> list[int]:
    """For ignore_column_order: pair each expected column with a learner column whose
    values (as a multiset) are the same. Falls back to the given order."""

    def column_key(rows: list[tuple], i: int) -> list:
        return sorted((_value_key(r[i], tolerance) for r in rows), key=repr)

    free = list(range(len(mine.columns)))
    order = []
    for j in range(len(expected.columns)):
        want = column_key(expected.rows, j)
        found = next((i for i in free if column_key(mine.rows, i) == want), None)
        if found is None:
            return list(range(len(mine.columns)))
        free.remove(found)
        order.append(found)
    return order


def _same_multiset(mine: list[tuple], want: list[tuple], tolerance: float) -> bool:
    if len(mine) != len(want):
        return False
    a = sorted(mine, key=lambda r: repr(_row_key(r, tolerance)))
    b = sorted(want, key=lambda r: repr(_row_key(r, tolerance)))
    return all(_rows_equal(x, y, tolerance) for x, y in zip(a, b, strict=True))


def _rows_equal(a: tuple, b: tuple, tolerance: float) -> bool:
    return len(a) == len(b) and all(values_equal(x, y, tolerance) for x, y in zip(a, b, strict=True))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def values_equal(a: Any, b: Any, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None  # NULL matches only NULL: not 0, not ''
    if _is_number(a) and _is_number(b):
        # 'Infinity' and 'NaN' equal only themselves: with the tolerance below, infinity
        # would be "within" any finite number (inf - 5 <= 1e-6 * inf)
        kind_a, kind_b = _non_finite(a), _non_finite(b)
        if kind_a or kind_b:
            return kind_a == kind_b
        x, y = float(a), float(b)
        if math.isinf(x) or math.isinf(y):  # a finite numeric too big for a float: compare exactly
            return Decimal(a) == Decimal(b)
        return abs(x - y) <= tolerance * max(1.0, abs(x), abs(y))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return _rows_equal(tuple(a), tuple(b), tolerance)
    return _value_key(a, tolerance) == _value_key(b, tolerance)


def _non_finite(value: int | float | Decimal) -> str:
    """'inf', '-inf' or 'nan' for a non-finite number; '' for a finite one."""
    if isinstance(value, int):
        return ""
    if isinstance(value, Decimal):
        return "" if value.is_finite() else ("nan" if value.is_nan() else ("-inf" if value < 0 else "inf"))
    return "" if math.isfinite(value) else ("nan" if math.isnan(value) else ("-inf" if value < 0 else "inf"))


def _row_key(row: tuple, tolerance: float) -> tuple:
    return tuple(_value_key(v, tolerance) for v in row)


def _value_key(value: Any, tolerance: float) -> tuple:
    """A hashable, type-tagged key; numbers rounded to the tolerance so 0.1+0.2 == 0.3."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if _is_number(value):
        if _non_finite(value):
            return (2, _non_finite(value))
        number = float(value)
        if math.isinf(number):  # finite but beyond a float
            return (2, "exact", str(Decimal(value).normalize()))
        digits = max(0, min(12, -int(math.floor(math.log10(tolerance))))) if tolerance > 0 else 12
        scale = max(1.0, abs(number))
        exponent = int(math.floor(math.log10(scale)))
        return (2, round(number / 10**exponent, digits), exponent)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, (datetime, date, time)):
        return (4, value.isoformat())
    if isinstance(value, timedelta):
        return (5, value.total_seconds())
    if isinstance(value, (list, tuple)):
        return (6, tuple(_value_key(v, tolerance) for v in value))
    if isinstance(value, dict):
        return (7, json.dumps(jsonable(value), sort_keys=True))
    return (8, str(jsonable(value)))


# --------------------------------------------------------------------------- wording


def _rows(n: int, noun: str = "row") -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _names(columns: list[str]) -> str:
    return ", ".join(columns) if columns else "none"


def _show(row: tuple) -> str:
    return "(" + ", ".join("NULL" if v is None else str(jsonable(v)) for v in row) + ")"


def _show_many(rows: list[tuple]) -> str:
    shown = ", ".join(_show(r) for r in rows[:3])
    return shown + (f" and {len(rows) - 3} more" if len(rows) > 3 else "")


def _join_hints(lab_hint: str, hint: str) -> str:
    return " ".join(h for h in (lab_hint, hint) if h)
