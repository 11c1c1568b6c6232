"""The ``result`` check on MariaDB: the learner's rows against the reference solution's.

Parameters (all optional)::

    query = "SELECT …"        # run after applying the answer as a script; without it the
                              # answer's last statement is the query
    ordered = true            # compare order (default: when the query has ORDER BY)
    ignore_column_names = true
    float_tolerance = 1e-6
    hint = "..."

Runs on the lab's data and, when the lab has ``hidden.sql``, on a second dataset whose rows
never reach the learner (only counts do). The comparison itself (types, multisets, order,
messages) is the Postgres result check's: rows are rows.
"""

from __future__ import annotations

import re
from typing import Any

from labs.checks.result import Options, compare
from labs.engines.mariadb.attempt import HIDDEN, VISIBLE, LearnerSqlError, MariaAttempt, Rows
from labs.engines.mariadb.sql import split_statements
from labs.result import CheckResult
from labs.spec import CheckSpec

KNOWN_PARAMS = frozenset({"query", "ordered", "ignore_column_names", "ignore_column_order", "float_tolerance", "hint"})


def check(attempt: MariaAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    query = params.get("query")
    ordered = params.get("ordered")
    if ordered is None:
        ordered = bool(re.search(r"\bORDER\s+BY\b", (query or attempt.solution).upper()))
    options = Options(
        ordered=bool(ordered),
        ignore_column_names=bool(params.get("ignore_column_names", True)),
        ignore_column_order=bool(params.get("ignore_column_order", False)),
        tolerance=float(params.get("float_tolerance", 1e-6)),
    )
    lab_hint = str(params.get("hint", ""))
    expected = reference_rows(attempt, VISIBLE, query)
    try:
        mine = learner_rows(attempt, VISIBLE, query)
    except LearnerSqlError as exc:
        return sql_error_result(exc, lab_hint)
    artifacts: dict[str, Any] = {
        "preview": mine.preview(attempt.preview_rows),
        "expected_preview": expected.preview(min(attempt.preview_rows, 3)),
    }
    verdict = compare(mine, expected, options)  # type: ignore[arg-type]
    if not verdict.ok:
        if verdict.diff:
            artifacts["diff"] = verdict.diff
        return CheckResult("result", False, verdict.message, _join(lab_hint, verdict.hint), artifacts=artifacts)
    checked = "on the lab's data"
    if attempt.has_hidden:
        hidden_expected = reference_rows(attempt, HIDDEN, query)
        try:
            hidden_mine = learner_rows(attempt, HIDDEN, query)
        except LearnerSqlError as exc:  # its text may quote hidden values: the error number only
            return CheckResult(
                "result", False,
                f"On a second dataset with other rows, your answer failed (MariaDB error {exc.number}).",
                _join(lab_hint, "Make the answer robust to other data: NULLs, duplicates, empty groups."),
                artifacts=artifacts,
            )  # fmt: skip
        hidden = compare(hidden_mine, hidden_expected, options)  # type: ignore[arg-type]
        if not hidden.ok:
            same_count = len(hidden_mine.rows) == len(hidden_expected.rows)
            same = " (the same number of rows, other values)" if same_count else ""
            return CheckResult(
                "result", False,
                f"Your answer matches on the lab's data but not on a second dataset with other rows: it returned "
                f"{len(hidden_mine.rows)} rows where {len(hidden_expected.rows)} were expected{same}.",
                _join(lab_hint, "Don't rely on particular ids or values, and keep the lab's data as it is."),
                artifacts=artifacts,
            )  # fmt: skip
        checked = "on the lab's data and on a second dataset"
    order = " in the expected order" if options.ordered else ""
    return CheckResult(
        "result", True, f"Your query returns the expected {len(expected.rows)} rows{order} {checked}.",
        artifacts=artifacts,
    )  # fmt: skip


def learner_rows(attempt: MariaAttempt, dataset: str, query: str | None) -> Rows:
    if query is None:
        statements = attempt.statements
        if not statements:
            raise LearnerSqlError("Your answer is empty: there is no query to run.", "Write the SELECT asked for.")
        *before, last = statements
        if before:
            outcome = attempt.run_script(before, dataset)
            if not outcome.ok:
                raise outcome.error  # type: ignore[misc]
        return attempt.fetch(last.text, dataset)
    outcome = attempt.apply_answer(dataset)
    if not outcome.ok:
        raise outcome.error  # type: ignore[misc]
    return attempt.fetch(query, dataset)


def reference_rows(attempt: MariaAttempt, dataset: str, query: str | None) -> Rows:
    """The solution's rows on a private copy of ``dataset``, cached per process."""

    def compute() -> Rows:
        database = attempt.scratch_database(dataset)
        conn = attempt.connect_learner(database, platform=True)
        try:
            statements = split_statements(attempt.solution)
            if query is None:
                *before, last = statements
                statements, final = before, last.text
            else:
                final = query
            with conn.cursor() as cur:
                for statement in statements:
                    with attempt.learner_call(statement):
                        cur.execute(statement.text)
            return attempt.fetch(final, dataset, conn=conn)
        finally:
            conn.close()

    return attempt.reference(("result", dataset, query, attempt.row_cap), compute)


def sql_error_result(exc: LearnerSqlError, lab_hint: str, name: str = "result") -> CheckResult:
    """A learner's SQL error as a failed check: the server's own words, then what to try."""
    return CheckResult(name, False, exc.message, _join(lab_hint, exc.hint))


def _join(*hints: str) -> str:
    return " ".join(h.strip() for h in hints if h and h.strip())
