"""Finishing touches on a verdict that need the learner's whole answer, not one check's view of it.

A Postgres check knows which statement failed and where in that statement Postgres stopped
(``artifacts["error"]``: statement index, 1-based character position); only the answer says on
which line of the editor that is. ``locate_sql_errors`` adds the line, so "Line 7: ..." points
where the learner looks.
"""

from __future__ import annotations

from typing import Any

from labs.result import CheckResult


def statement_lines(answer: str) -> dict[int, tuple[int, str]]:
    """Statement index -> (line where it starts, its text), as the grader split the answer."""
    from labs.sandbox.pg_sql import ScriptError, split_statements

    try:
        statements = split_statements(answer)
    except ScriptError:
        return {}
    found: dict[int, tuple[int, str]] = {}
    cursor = 0
    for statement in statements:
        # Each statement's text is an exact slice of the answer, in order: search onwards.
        start = answer.find(statement.text, cursor)
        if start < 0:
            continue
        found[statement.index] = (answer.count("\n", 0, start) + 1, statement.text)
        cursor = start + len(statement.text)
    return found


def error_line(answer: str, error: dict[str, Any]) -> int | None:
    """The answer's line of a check's SQL error (the statement's first line without a position)."""
    index = error.get("statement")
    lines = statement_lines(answer) if isinstance(index, int) else {}
    if index not in lines:
        return None
    first_line, text = lines[index]
    position = error.get("position")
    if isinstance(position, int) and 0 < position <= len(text) + 1:
        return first_line + text.count("\n", 0, position - 1)
    return first_line


def locate_sql_errors(answer: str, checks: list[CheckResult]) -> None:
    """Prefix every learner SQL error message with its line in the answer (in place)."""
    for check in checks:
        error = check.artifacts.get("error")
        if not isinstance(error, dict) or "line" in error:
            continue
        line = error_line(answer, error)
        if line is not None:
            error["line"] = line
            check.message = f"Line {line}: {check.message}"


def duration(seconds: float) -> str:
    """``1,209,600 s (14 days)``: exact seconds for the learner to compare, and a size to picture."""
    exact = f"{seconds:,.0f} s" if abs(seconds - round(seconds)) < 0.05 else f"{seconds:,.1f} s"
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if abs(seconds) >= size * 2 or (abs(seconds) >= size and seconds % size == 0):
            amount = seconds / size
            shown = f"{amount:.0f}" if abs(amount - round(amount)) < 0.05 else f"{amount:.1f}"
            return f"{exact} ({shown} {unit}{'' if shown == '1' else 's'})"
    return exact
