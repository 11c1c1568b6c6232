"""Wording shared by the Postgres checks: a failed answer script, a learner SQL error."""

from __future__ import annotations

import psycopg

from labs.result import CheckResult
from labs.sandbox.postgres import LearnerSqlError, ScriptOutcome


def sql_error_result(exc: LearnerSqlError, lab_hint: str = "", name: str = "") -> CheckResult:
    """A failed check whose message is the Postgres error, pointing at the statement."""
    hint = " ".join(h for h in (exc.hint, lab_hint) if h)
    artifacts = {"error": {"sqlstate": exc.sqlstate, "statement": exc.statement.index if exc.statement else None}}
    # Where in the statement Postgres stopped (1-based), so the runner can name the answer's line.
    position = getattr(getattr(exc.__cause__, "diag", None), "statement_position", None)
    if position:
        artifacts["error"]["position"] = int(position)
    return CheckResult(name, False, exc.message, hint or "Fix the error and try again.", artifacts=artifacts)


def answer_failed(outcome: ScriptOutcome, lab_hint: str = "", name: str = "") -> CheckResult:
    """Your answer's statement N failed: nothing after it ran, so the check cannot pass."""
    assert outcome.error is not None
    result = sql_error_result(outcome.error, lab_hint, name)
    total = len(outcome.statements)
    if total > 1 and outcome.error.statement is not None:
        result.message += f" (Statements after {outcome.error.statement.index} of {total} did not run.)"
    return result


def condition_name(sqlstate: str) -> str:
    """``division_by_zero (SQLSTATE 22012)``: an error named without quoting any data."""
    try:
        cls = psycopg.errors.lookup(sqlstate)
    except KeyError:
        return f"an error (SQLSTATE {sqlstate})"
    words = "".join("_" + c.lower() if c.isupper() else c for c in cls.__name__).lstrip("_")
    return f"an error: {words} (SQLSTATE {sqlstate})"
