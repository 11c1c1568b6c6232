"""The gradebook's two CSV exports: the full one (every column the page has, plus LMS ids,
hints, extensions and open regrade requests) and one Canvas's gradebook import accepts.
Every cell goes through ``neutralize_csv_cell`` (SafeCsvWriter)."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from apps.dashboard.gradebook_projects import project_points

if TYPE_CHECKING:
    from apps.dashboard.gradebook import Gradebook

# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV
# injection"): a learner named =HYPERLINK(...) must not run in the instructor's Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as a negative score cannot be a formula, so it stays a number.
PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def neutralize_csv_cell(value: object) -> object:
    """``value`` made safe to open in a spreadsheet: text that a spreadsheet would run as
    a formula gets a leading single quote; numbers and other text are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeCsvWriter:
    """``csv.writer`` that neutralises every cell, so no export can forget one."""

    def __init__(self, out: io.StringIO, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: list) -> None:
        self._writer.writerow([neutralize_csv_cell(cell) for cell in row])


def _criteria_of(book: Gradebook, project) -> list:
    """The rubric rows of ``project`` as the gradebook's cells carry them ([] for a one-score project)."""
    for row in book.rows:
        for cell in row.projects:
            if cell.project.pk == project.pk:
                return cell.criteria
    from apps.dashboard.gradebook_projects import rubric_criteria

    return rubric_criteria(project)


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}".rstrip("0").rstrip(".")


def _joined(items: list[str]) -> str:
    return "; ".join(items)


def export_gradebook_csv(book: Gradebook) -> str:
    """One row per learner: the total and how it is made, best score (percent), attempts and
    late mark per lab; solved exercises and late mark per week; score, late mark and rubric
    points per project; then the learner's extensions and open regrade requests."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    header = ["Learner", "Name", "Email", "LMS user id", "SIS user id", "Last activity", "Labs passed"]
    header += ["Points", "Points possible", "Lab points", f"Exercise points (of {book.exercise_points})"]
    header += [f"Exercises solved (of {len(book.exercises)})", "Hints revealed"]
    for lab in book.labs:
        header += [f"{lab.title} (best %)", f"{lab.title} (attempts)", f"{lab.title} (late)"]
    for group in book.exercise_groups:
        header += [f"{group.label} (solved of {len(group.exercises)})", f"{group.label} (late)"]
    for project in book.projects:
        criteria = _criteria_of(book, project)
        header += [f"{project.title} (%)", f"{project.title} (late)"]
        header += [f"{project.title}: {c.title} (of {c.points:g})" for c in criteria]
        if criteria:
            header.append(f"{project.title} (points of {sum(c.points for c in criteria):g})")
    header += ["Extensions", "Open regrade requests"]
    writer.writerow(header)
    for row in book.rows:
        learner = row.learner
        line = [
            learner.username,
            learner.get_full_name(),
            learner.email,
            learner.lms_user_id,
            learner.sis_user_id,
            row.last_activity.isoformat(timespec="seconds") if row.last_activity else "",
            row.passed,
            f"{row.points:g}",
            book.points_possible,
            f"{round(row.lab_points, 2):g}",
            f"{row.exercise_credit:g}",
            row.solved,
            row.hints,
        ]
        for cell in row.labs:
            line += [_percent(cell.best), cell.attempts, "late" if cell.late else ""]
        for cell in row.exercises:
            line += [cell.solved, "late" if cell.late else ""]
        for cell in row.projects:
            line += [_percent(cell.score), "late" if cell.late else ""]
            if cell.rubric:
                line += [_points(cell.points.get(c.id)) for c in cell.criteria]
                line.append(_points(cell.total))
        line += [_joined(row.extensions), _joined(row.requests)]
        writer.writerow(line)
    return out.getvalue()


# The columns Canvas's gradebook import reads before the assignment columns, in its order;
# its own export writes "Points Possible" (indented) as the second row.
CANVAS_LEADING_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW_LABEL = "    Points Possible"
# Canvas reads a column it knows by this name into its "Notes" column (shown from the
# Gradebook's View menu) instead of making it an assignment.
CANVAS_NOTES_COLUMN = "Notes"
CANVAS_EXERCISES_COLUMN = "Exercises"
CANVAS_ID = re.compile(r"\d+")


def canvas_user_id(learner) -> str:
    """Canvas's "ID" is its own numeric user id. An LMS id that is not a number (an LTI
    ``sub``) is left out: Canvas would read its leading digits as some other learner's id."""
    value = (learner.lms_user_id or "").strip()
    return value if CANVAS_ID.fullmatch(value) else ""


def export_canvas_csv(book: Gradebook) -> str:
    """A file Canvas's "Import" in the gradebook accepts: learners matched by ID and SIS User
    ID (from their LMS ids) and SIS Login ID (our username); each lab and project becomes an
    assignment column in points, all exercises one "Exercises" assignment worth what the
    gradebook counts them for; extensions and open regrade requests go to "Notes"."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, lineterminator="\r\n")
    exercises = [CANVAS_EXERCISES_COLUMN] if book.exercise_groups else []
    writer.writerow(
        CANVAS_LEADING_COLUMNS
        + [lab.title for lab in book.labs]
        + exercises
        + [p.title for p in book.projects]
        + [CANVAS_NOTES_COLUMN]
    )
    writer.writerow(
        [CANVAS_POINTS_ROW_LABEL, "", "", "", ""]
        + [lab.points for lab in book.labs]
        + ([book.exercise_points] if exercises else [])
        + [f"{project_points(p, _criteria_of(book, p)):g}" for p in book.projects]
        + [""]
    )
    for row in book.rows:
        learner = row.learner
        name = f"{learner.last_name}, {learner.first_name}" if learner.last_name else learner.username
        line = [name, canvas_user_id(learner), learner.sis_user_id, learner.username, book.cohort.name]
        line += ["" if cell.best is None else f"{cell.points:.2f}" for cell in row.labs]
        if exercises:
            tried = any(cell.tried for cell in row.exercises)
            line.append(f"{row.exercise_credit:.2f}" if tried else "")
        line += ["" if cell.score is None else f"{cell.score * cell.possible:.2f}" for cell in row.projects]
        line.append(_joined(row.extensions + [f"regrade request: {r}" for r in row.requests]))
        writer.writerow(line)
    return out.getvalue()
