"""The cohort gradebook: learners × labs and projects, built in a constant number of
queries however large the cohort, and its two CSV exports."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from apps.accounts.models import Cohort, Membership
from apps.courses.models import Lab, LessonCompletion, Project
from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy
from apps.grading.models import Submission, effective_score

PASS = 0.999_999  # a score this high is a pass (scores are floats in [0, 1])
SHOWS = {"all": "Everyone", "incomplete": "Not every lab passed", "late": "Has late work"}


@dataclass
class LabCell:
    lab: Lab
    best: float | None = None
    attempts: int = 0
    last: datetime | None = None
    late: bool = False

    @property
    def passed(self) -> bool:
        return self.best is not None and self.best >= PASS

    @property
    def points(self) -> float:
        return (self.best or 0) * self.lab.points


@dataclass
class ProjectCell:
    """A project's cell: the older one-score grade, or for a project with a grading.toml
    its rubric points per criterion (from the instructor's assessment, else the auto rows of
    the newest graded hand-in, so progress shows before the instructor grades)."""

    project: Project
    grade: ProjectGrade | None = None
    late: bool = False
    criteria: list = field(default_factory=list)  # apps.projects.specs.Criterion rows, in the brief's order
    points: dict[str, float | None] = field(default_factory=dict)
    assessed: bool = False
    released: bool = False
    version: int | None = None  # the hand-in version the points are of

    @property
    def rubric(self) -> bool:
        return bool(self.criteria)

    @property
    def possible(self) -> float:
        return sum(c.points for c in self.criteria) if self.criteria else PROJECT_POINTS

    @property
    def total(self) -> float | None:
        """The rubric total once the instructor assessed it (None before)."""
        if not self.assessed:
            return None
        return round(sum(p for p in self.points.values() if p is not None), 2)

    @property
    def auto_total(self) -> float | None:
        auto = [self.points.get(c.id) for c in self.criteria if c.is_auto]
        return round(sum(p for p in auto if p is not None), 2) if any(p is not None for p in auto) else None

    @property
    def auto_possible(self) -> float:
        return sum(c.points for c in self.criteria if c.is_auto)

    @property
    def score(self) -> float | None:
        if self.rubric:
            return self.total / self.possible if self.total is not None and self.possible else None
        return self.grade.score if self.grade else None


@dataclass
class GradebookRow:
    learner: object
    labs: list[LabCell] = field(default_factory=list)
    projects: list[ProjectCell] = field(default_factory=list)
    last_activity: datetime | None = None

    @property
    def points(self) -> float:
        return round(sum(cell.points for cell in self.labs), 2)

    @property
    def passed(self) -> int:
        return sum(cell.passed for cell in self.labs)

    @property
    def has_late(self) -> bool:
        return any(c.late for c in self.labs) or any(c.late for c in self.projects)


@dataclass
class Gradebook:
    cohort: Cohort
    labs: list[Lab]
    projects: list[Project]
    rows: list[GradebookRow]

    @property
    def points_possible(self) -> int:
        return sum(lab.points for lab in self.labs)


def list_gradebook_labs() -> list[Lab]:
    """Labs in course order: by the week of the lesson they practise, then by key."""
    labs = Lab.objects.filter(retired=False).select_related("lesson__week")
    return sorted(labs, key=lambda lab: (lab.lesson.week.number if lab.lesson else 99, lab.key))


def build_gradebook(cohort: Cohort) -> Gradebook:
    learners = list(cohort.learners.order_by("username"))
    labs = list_gradebook_labs()
    projects = list(Project.objects.filter(retired=False).order_by("order"))
    due = dict(LabPolicy.objects.filter(cohort=cohort, due_at__isnull=False).values_list("lab_id", "due_at"))
    project_due = dict(
        ProjectPolicy.objects.filter(cohort=cohort, due_at__isnull=False).values_list("project_id", "due_at")
    )
    # A subquery, not a list of ids: a cohort of any size stays one short statement.
    learner_ids = Membership.objects.filter(cohort=cohort).values("user_id")

    cells: dict[tuple[int, int], LabCell] = {}
    on_time_best: dict[tuple[int, int], float] = {}
    last_activity: dict[int, datetime] = {}
    lab_by_id = {lab.pk: lab for lab in labs}
    submissions = (
        Submission.objects.filter(user_id__in=learner_ids)
        .annotate(effective=effective_score())
        .values_list("user_id", "lab_id", "counted", "effective", "created_at")
    )
    for user_id, lab_id, counted, effective, created_at in submissions.iterator(chunk_size=5000):
        if user_id not in last_activity or created_at > last_activity[user_id]:
            last_activity[user_id] = created_at
        if not counted or lab_id not in lab_by_id:
            continue
        cell = cells.setdefault((user_id, lab_id), LabCell(lab_by_id[lab_id]))
        cell.attempts += 1
        cell.last = max(cell.last, created_at) if cell.last else created_at
        if effective is not None and (cell.best is None or effective > cell.best):
            cell.best = effective
        deadline = due.get(lab_id)
        if effective is not None and (deadline is None or created_at <= deadline):
            on_time_best[(user_id, lab_id)] = max(on_time_best.get((user_id, lab_id), -1.0), effective)
    for (user_id, lab_id), cell in cells.items():
        if due.get(lab_id) is not None:
            # Late: the best score came only after the deadline (an on-time pass stays on time).
            on_time = on_time_best.get((user_id, lab_id))
            cell.late = on_time is None or on_time < (cell.best or 0)

    completions = (
        LessonCompletion.objects.filter(user_id__in=learner_ids).values("user_id").annotate(last=Max("completed_at"))
    )
    for row in completions:
        user_id, when = row["user_id"], row["last"]
        if user_id not in last_activity or when > last_activity[user_id]:
            last_activity[user_id] = when

    grades = {
        (g.learner_id, g.project_id): g for g in ProjectGrade.objects.filter(cohort=cohort, learner_id__in=learner_ids)
    }
    criteria = {p.pk: rubric_criteria(p) for p in projects}  # each grading.toml read once
    rubric_cells = build_rubric_cells(cohort, projects, criteria, learner_ids, project_due)
    rows = []
    for learner in learners:
        row = GradebookRow(learner, last_activity=last_activity.get(learner.pk))
        row.labs = [cells.get((learner.pk, lab.pk)) or LabCell(lab) for lab in labs]
        for project in projects:
            rubric = rubric_cells.get((learner.pk, project.pk))
            if rubric is not None:
                row.projects.append(rubric)
                continue
            grade = grades.get((learner.pk, project.pk))
            deadline = project_due.get(project.pk)
            late = bool(grade and deadline and grade.handed_in_at > deadline)
            row.projects.append(ProjectCell(project, grade, late, criteria=criteria[project.pk]))
        rows.append(row)
    return Gradebook(cohort, labs, projects, rows)


def rubric_criteria(project: Project) -> list:
    from apps.projects.specs import list_criteria

    return list_criteria(project)


def build_rubric_cells(cohort: Cohort, projects: list[Project], criteria: dict, learner_ids, project_due: dict) -> dict:
    """(learner id, project id) -> ProjectCell for projects graded by rubric, in two queries
    whatever the cohort's size (none when no project has a grading.toml)."""
    from django.db.models import OuterRef, Subquery

    from apps.projects.models import CriterionMark, Handin, ProjectExtension

    graded = [pk for pk, rows in criteria.items() if rows]
    if not graded:
        return {}
    by_id = {p.pk: p for p in projects}
    extension = ProjectExtension.objects.filter(cohort=cohort, learner=OuterRef("learner"), project=OuterRef("project"))
    handins = (
        Handin.objects.filter(learner_id__in=learner_ids, project_id__in=graded)
        .annotate(extended_to=Subquery(extension.values("due_at")[:1]))
        .values_list("pk", "learner_id", "project_id", "version", "created_at", "status", "result", "extended_to")
        .order_by("version")
    )
    by_pk: dict[int, tuple] = {}
    newest: dict[tuple[int, int], tuple] = {}
    newest_graded: dict[tuple[int, int], tuple] = {}
    for handin in handins.iterator(chunk_size=2000):
        by_pk[handin[0]] = handin
        newest[(handin[1], handin[2])] = handin
        if handin[5] == Handin.Status.DONE:
            newest_graded[(handin[1], handin[2])] = handin
    marks: dict[tuple[int, int], dict] = {}
    mark_rows = CriterionMark.objects.filter(assessment__cohort=cohort, assessment__project_id__in=graded).values_list(
        "assessment__learner_id",
        "assessment__project_id",
        "assessment__handin_id",
        "assessment__released_at",
        "criterion",
        "points",
        "overridden",
    )
    for learner_id, project_id, handin_id, released_at, criterion, points, overridden in mark_rows:
        entry = marks.setdefault((learner_id, project_id), {"handin": handin_id, "released": released_at, "rows": {}})
        entry["rows"][criterion] = (points, overridden)
    cells = {}
    for key in {*newest, *marks}:
        learner_id, project_id = key
        assessed = marks.get(key)
        handin = by_pk.get(assessed["handin"]) if assessed else newest_graded.get(key) or newest.get(key)
        auto = {c["id"]: c.get("points_awarded") for c in ((handin[6] or {}).get("criteria", []) if handin else [])}
        if handin and handin[5] != Handin.Status.DONE:
            auto = {}
        points: dict[str, float | None] = {}
        for criterion in criteria[project_id]:
            mark = (assessed or {}).get("rows", {}).get(criterion.id)
            if criterion.is_auto and not (mark and mark[1]):
                points[criterion.id] = auto.get(criterion.id)
            else:
                points[criterion.id] = mark[0] if mark else None
        due = (handin[7] or project_due.get(project_id)) if handin else None
        cells[key] = ProjectCell(
            by_id[project_id],
            None,
            bool(handin and due and handin[4] > due),
            criteria=criteria[project_id],
            points=points,
            assessed=bool(assessed),
            released=bool(assessed and assessed["released"]),
            version=handin[3] if handin else None,
        )
    return cells


def filter_and_sort(book: Gradebook, *, q: str = "", show: str = "all", sort: str = "learner", desc: bool = False):
    """The rows the gradebook page shows. ``sort`` is learner, points, passed, last or ``lab:<key>``."""
    rows = book.rows
    if q:
        needle = q.lower()
        rows = [r for r in rows if needle in r.learner.username.lower() or needle in r.learner.get_full_name().lower()]
    if show == "incomplete":
        rows = [r for r in rows if r.passed < len(book.labs)]
    elif show == "late":
        rows = [r for r in rows if r.has_late]
    lab_index = {f"lab:{lab.key}": i for i, lab in enumerate(book.labs)}
    if sort in lab_index:
        i = lab_index[sort]
        key = lambda r: (r.labs[i].best if r.labs[i].best is not None else -1, r.learner.username.lower())  # noqa: E731
    elif sort == "points":
        key = lambda r: (r.points, r.learner.username.lower())  # noqa: E731
    elif sort == "passed":
        key = lambda r: (r.passed, r.learner.username.lower())  # noqa: E731
    elif sort == "last":
        key = lambda r: (r.last_activity.timestamp() if r.last_activity else 0, r.learner.username.lower())  # noqa: E731
    else:
        key = lambda r: r.learner.username.lower()  # noqa: E731
    return sorted(rows, key=key, reverse=desc)


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


def _criteria_of(book: Gradebook, project: Project) -> list:
    """The rubric rows of ``project`` as the gradebook's cells carry them ([] for a one-score project)."""
    for row in book.rows:
        for cell in row.projects:
            if cell.project.pk == project.pk:
                return cell.criteria
    return rubric_criteria(project)


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}".rstrip("0").rstrip(".")


def export_gradebook_csv(book: Gradebook) -> str:
    """One row per learner: best score (percent), attempts and late mark per lab; score and
    late mark per project."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    header = ["Learner", "Name", "Email", "Last activity", "Labs passed", "Points", "Points possible"]
    for lab in book.labs:
        header += [f"{lab.title} (best %)", f"{lab.title} (attempts)", f"{lab.title} (late)"]
    for project in book.projects:
        header += [f"{project.title} (%)", f"{project.title} (late)"]
        for criterion in _criteria_of(book, project):
            header.append(f"{project.title}: {criterion.title} (of {criterion.points:g})")
        if _criteria_of(book, project):
            header.append(f"{project.title} (points of {sum(c.points for c in _criteria_of(book, project)):g})")
    writer.writerow(header)
    for row in book.rows:
        line = [
            row.learner.username,
            row.learner.get_full_name(),
            row.learner.email,
            row.last_activity.isoformat(timespec="seconds") if row.last_activity else "",
            row.passed,
            f"{row.points:g}",
            book.points_possible,
        ]
        for cell in row.labs:
            line += [_percent(cell.best), cell.attempts, "late" if cell.late else ""]
        for cell in row.projects:
            line += [_percent(cell.score), "late" if cell.late else ""]
            if cell.rubric:
                line += [_points(cell.points.get(c.id)) for c in cell.criteria]
                line.append(_points(cell.total))
        writer.writerow(line)
    return out.getvalue()


# The columns Canvas's gradebook import reads before the assignment columns, in its order;
# its own export writes "Points Possible" (indented) as the second row.
CANVAS_LEADING_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW_LABEL = "    Points Possible"
PROJECT_POINTS = 100


def export_canvas_csv(book: Gradebook) -> str:
    """A file Canvas's "Import" in the gradebook accepts: learners are matched by SIS Login
    ID (our username); each lab and project becomes an assignment column in points."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, lineterminator="\r\n")
    writer.writerow(CANVAS_LEADING_COLUMNS + [lab.title for lab in book.labs] + [p.title for p in book.projects])
    writer.writerow(
        [CANVAS_POINTS_ROW_LABEL, "", "", "", ""]
        + [lab.points for lab in book.labs]
        + [f"{sum(c.points for c in _criteria_of(book, p)) or PROJECT_POINTS:g}" for p in book.projects]
    )
    for row in book.rows:
        learner = row.learner
        name = f"{learner.last_name}, {learner.first_name}" if learner.last_name else learner.username
        line = [name, "", "", learner.username, book.cohort.name]
        line += ["" if cell.best is None else f"{cell.points:.2f}" for cell in row.labs]
        line += ["" if cell.score is None else f"{cell.score * cell.possible:.2f}" for cell in row.projects]
        writer.writerow(line)
    return out.getvalue()
