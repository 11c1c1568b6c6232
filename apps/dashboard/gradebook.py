"""The cohort gradebook: learners × labs, exercises (one column per week) and projects,
built in a constant number of queries however large the cohort. Its CSV exports are in
gradebook_csv.py (re-exported here).

How the total is computed (the page and the README say the same): ``Points`` is the sum of
each lab's best score × its points, plus the exercises' share: all exercises together are
worth ``Gradebook.exercise_points`` (the cohort's setting, else as much as an average lab),
split by each exercise's own points. Exercises are practice, so sixty of them must not
outweigh the labs. Projects are graded by their rubric and shown apart, not in the total."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max
from django.utils import timezone

from apps.accounts.models import Cohort, Membership
from apps.courses.models import Lab, LessonCompletion, Project
from apps.dashboard.gradebook_projects import build_rubric_cells, project_points, rubric_criteria
from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy
from apps.grading.models import HintReveal, Submission, effective_score

PASS = 0.999_999  # a score this high is a pass (scores are floats in [0, 1])
SHOWS = {"all": "Everyone", "incomplete": "Not every lab passed", "late": "Has late work"}


@dataclass
class LabCell:
    lab: Lab
    best: float | None = None
    attempts: int = 0
    last: datetime | None = None
    late: bool = False
    extension: object | None = None  # the learner's LabExtension on it, if any
    request: object | None = None  # their open RegradeRequest about it, if any

    @property
    def passed(self) -> bool:
        return self.best is not None and self.best >= PASS

    @property
    def points(self) -> float:
        return (self.best or 0) * self.lab.points


@dataclass
class ExerciseGroup:
    """One week's exercises: one gradebook column instead of one per exercise."""

    week: int
    title: str
    exercises: list[Lab]

    @property
    def key(self) -> str:
        return f"week:{self.week}"

    @property
    def label(self) -> str:
        return f"Week {self.week} exercises" if self.week < 99 else "Other exercises"

    @property
    def points(self) -> int:
        return sum(lab.points for lab in self.exercises)


@dataclass
class ExerciseCell:
    group: ExerciseGroup
    cells: list[LabCell] = field(default_factory=list)
    hints: int = 0  # hint steps revealed on this week's exercises

    @property
    def solved(self) -> int:
        return sum(cell.passed for cell in self.cells)

    @property
    def tried(self) -> int:
        return sum(1 for cell in self.cells if cell.attempts)

    @property
    def points(self) -> float:
        """Raw exercise points (before the exercises' weight is applied)."""
        return sum(cell.points for cell in self.cells)

    @property
    def late(self) -> bool:
        return any(cell.late for cell in self.cells)

    @property
    def extended(self) -> bool:
        return any(cell.extension is not None for cell in self.cells)

    @property
    def requests(self) -> list:
        return [cell.request for cell in self.cells if cell.request is not None]


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
    extension: object | None = None  # the learner's ProjectExtension, if any

    @property
    def rubric(self) -> bool:
        return bool(self.criteria)

    @property
    def possible(self) -> float:
        return project_points(self.project, self.criteria)

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
    exercises: list[ExerciseCell] = field(default_factory=list)
    projects: list[ProjectCell] = field(default_factory=list)
    last_activity: datetime | None = None
    exercise_share: float = 0.0  # points per raw exercise point (the exercises' weight)

    @property
    def lab_points(self) -> float:
        return sum(cell.points for cell in self.labs)

    @property
    def exercise_credit(self) -> float:
        """What the learner's exercises add to the total, after their weight."""
        return round(sum(cell.points for cell in self.exercises) * self.exercise_share, 2)

    @property
    def points(self) -> float:
        return round(self.lab_points + self.exercise_credit, 2)

    @property
    def passed(self) -> int:
        return sum(cell.passed for cell in self.labs)

    @property
    def solved(self) -> int:
        return sum(cell.solved for cell in self.exercises)

    @property
    def hints(self) -> int:
        return sum(cell.hints for cell in self.exercises)

    @property
    def has_late(self) -> bool:
        return (
            any(c.late for c in self.labs) or any(c.late for c in self.exercises) or any(c.late for c in self.projects)
        )

    @property
    def extensions(self) -> list[str]:
        """Each extension the learner has, in words (for the exports and the page)."""
        every = [c for c in self.labs] + [c for group in self.exercises for c in group.cells]
        found = [describe_extension(c.lab.title, c.extension) for c in every if c.extension is not None]
        return found + [describe_extension(c.project.title, c.extension) for c in self.projects if c.extension]

    @property
    def requests(self) -> list[str]:
        every = [c for c in self.labs] + [c for group in self.exercises for c in group.cells]
        return [f"{c.lab.title}: {c.request.get_status_display()}" for c in every if c.request is not None]


def describe_extension(title: str, extension) -> str:
    parts = []
    if getattr(extension, "due_at", None) is not None:
        parts.append(f"due {timezone.localtime(extension.due_at):%Y-%m-%d %H:%M}")
    if getattr(extension, "extra_attempts", 0):
        parts.append(f"+{extension.extra_attempts} attempts")
    reason = f" ({extension.reason})" if getattr(extension, "reason", "") else ""
    return f"{title}: {', '.join(parts) or 'extended'}{reason}"


@dataclass
class Gradebook:
    cohort: Cohort
    labs: list[Lab]
    projects: list[Project]
    rows: list[GradebookRow]
    exercise_groups: list[ExerciseGroup] = field(default_factory=list)
    exercise_points: int = 0  # what all exercises together are worth in the total

    @property
    def exercises(self) -> list[Lab]:
        return [lab for group in self.exercise_groups for lab in group.exercises]

    @property
    def exercise_raw_points(self) -> int:
        return sum(group.points for group in self.exercise_groups)

    @property
    def lab_points_possible(self) -> int:
        return sum(lab.points for lab in self.labs)

    @property
    def points_possible(self) -> int:
        return self.lab_points_possible + (self.exercise_points if self.exercise_groups else 0)


def _week_of(lab: Lab) -> int:
    return lab.lesson.week.number if lab.lesson else 99


def list_gradebook_labs() -> list[Lab]:
    """Labs and exercises in course order: by the week of the lesson they practise, then by key."""
    labs = Lab.objects.filter(retired=False).select_related("lesson__week")
    return sorted(labs, key=lambda lab: (_week_of(lab), lab.key))


def group_exercises(exercises: list[Lab]) -> list[ExerciseGroup]:
    groups: dict[int, ExerciseGroup] = {}
    for lab in exercises:
        week = _week_of(lab)
        title = lab.lesson.week.title if lab.lesson else ""
        groups.setdefault(week, ExerciseGroup(week, title, [])).exercises.append(lab)
    return [groups[week] for week in sorted(groups)]


def default_exercise_points(labs: list[Lab]) -> int:
    """All exercises together are worth as much as an average lab (10 without labs)."""
    return round(sum(lab.points for lab in labs) / len(labs)) if labs else 10


def set_exercise_points(cohort: Cohort, value: str) -> int | None:
    """Save what all exercises are worth in ``cohort``'s total; blank goes back to the
    default. Raises ValueError with a message for the instructor on anything else."""
    value = (value or "").strip()
    if not value:
        points = None
    else:
        try:
            points = int(value)
        except ValueError:
            raise ValueError("The exercises' worth must be a whole number of points, or blank.") from None
        if not 0 <= points <= 10_000:
            raise ValueError("The exercises' worth must be between 0 and 10,000 points.")
    Cohort.objects.filter(pk=cohort.pk).update(exercise_points=points)
    cohort.exercise_points = points
    return points


def _load_extensions(cohort: Cohort) -> tuple[dict, dict]:
    """(lab extensions, regrade requests) keyed by (learner id, lab id). The services come
    from apps.grading (extensions.py, regrade_requests.py)."""
    from apps.grading.extensions import lab_extensions
    from apps.grading.regrade_requests import open_regrade_requests

    return lab_extensions(cohort), open_regrade_requests(cohort)


def build_gradebook(cohort: Cohort) -> Gradebook:
    learners = list(cohort.learners.order_by("username"))
    every = list_gradebook_labs()
    labs = [lab for lab in every if not lab.is_exercise]
    groups = group_exercises([lab for lab in every if lab.is_exercise])
    projects = list(Project.objects.filter(retired=False).order_by("order"))
    due = dict(LabPolicy.objects.filter(cohort=cohort, due_at__isnull=False).values_list("lab_id", "due_at"))
    project_due = dict(
        ProjectPolicy.objects.filter(cohort=cohort, due_at__isnull=False).values_list("project_id", "due_at")
    )
    extensions, requests = _load_extensions(cohort)
    # A subquery, not a list of ids: a cohort of any size stays one short statement.
    learner_ids = Membership.objects.filter(cohort=cohort).values("user_id")

    cells: dict[tuple[int, int], LabCell] = {}
    on_time_best: dict[tuple[int, int], float] = {}
    last_activity: dict[int, datetime] = {}
    lab_by_id = {lab.pk: lab for lab in every}

    def deadline_of(user_id: int, lab_id: int):
        extension = extensions.get((user_id, lab_id))
        return extension.due_at if extension is not None and extension.due_at is not None else due.get(lab_id)

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
        deadline = deadline_of(user_id, lab_id)
        if effective is not None and (deadline is None or created_at <= deadline):
            on_time_best[(user_id, lab_id)] = max(on_time_best.get((user_id, lab_id), -1.0), effective)
    for (user_id, lab_id), cell in cells.items():
        if deadline_of(user_id, lab_id) is not None:
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
    hints = {
        (r["user_id"], r["lab_id"]): r["n"]
        for r in HintReveal.objects.filter(user_id__in=learner_ids).values("user_id", "lab_id").annotate(n=Count("id"))
    }

    grades = {
        (g.learner_id, g.project_id): g for g in ProjectGrade.objects.filter(cohort=cohort, learner_id__in=learner_ids)
    }
    project_extensions = _project_extensions(cohort)
    criteria = {p.pk: rubric_criteria(p) for p in projects}  # each grading.toml read once
    rubric_cells = build_rubric_cells(cohort, projects, criteria, learner_ids, project_due, ProjectCell)
    book = Gradebook(cohort, labs, projects, [], groups)
    book.exercise_points = (
        cohort.exercise_points if cohort.exercise_points is not None else default_exercise_points(labs)
    )
    share = book.exercise_points / book.exercise_raw_points if book.exercise_raw_points else 0.0

    def cell_of(learner_id: int, lab: Lab) -> LabCell:
        cell = cells.get((learner_id, lab.pk)) or LabCell(lab)
        cell.extension = extensions.get((learner_id, lab.pk))
        cell.request = requests.get((learner_id, lab.pk))
        return cell

    for learner in learners:
        row = GradebookRow(learner, last_activity=last_activity.get(learner.pk), exercise_share=share)
        row.labs = [cell_of(learner.pk, lab) for lab in labs]
        row.exercises = [
            ExerciseCell(
                group,
                [cell_of(learner.pk, lab) for lab in group.exercises],
                sum(hints.get((learner.pk, lab.pk), 0) for lab in group.exercises),
            )
            for group in groups
        ]
        for project in projects:
            extension = project_extensions.get((learner.pk, project.pk))
            cell = rubric_cells.get((learner.pk, project.pk))
            if cell is None:
                grade = grades.get((learner.pk, project.pk))
                deadline = extension.due_at if extension else project_due.get(project.pk)
                late = bool(grade and deadline and grade.handed_in_at > deadline)
                cell = ProjectCell(project, grade, late, criteria=criteria[project.pk])
            cell.extension = extension
            row.projects.append(cell)
        book.rows.append(row)
    return book


def list_hint_reveals(learner) -> list[tuple[Lab, int, int]]:
    """(exercise, hint steps revealed, steps in its ladder) for each exercise where
    ``learner`` revealed a hint, in course order: who needed which help, for the instructor."""
    counts: dict[int, int] = {}
    labs: dict[int, Lab] = {}
    for reveal in HintReveal.objects.filter(user=learner).select_related("lab__lesson__week"):
        counts[reveal.lab_id] = counts.get(reveal.lab_id, 0) + 1
        labs[reveal.lab_id] = reveal.lab
    ordered = sorted(labs.values(), key=lambda lab: (_week_of(lab), lab.key))
    return [(lab, counts[lab.pk], len(lab.hints or [])) for lab in ordered]


def _project_extensions(cohort: Cohort) -> dict:
    from apps.projects.models import ProjectExtension

    return {(e.learner_id, e.project_id): e for e in ProjectExtension.objects.filter(cohort=cohort)}


def filter_and_sort(book: Gradebook, *, q: str = "", show: str = "all", sort: str = "learner", desc: bool = False):
    """The rows the gradebook page shows. ``sort`` is learner, points, passed, exercises,
    last, ``lab:<key>`` or ``week:<n>`` (a week's exercises)."""
    rows = book.rows
    if q:
        needle = q.lower()
        rows = [r for r in rows if needle in r.learner.username.lower() or needle in r.learner.get_full_name().lower()]
    if show == "incomplete":
        rows = [r for r in rows if r.passed < len(book.labs)]
    elif show == "late":
        rows = [r for r in rows if r.has_late]
    lab_index = {f"lab:{lab.key}": i for i, lab in enumerate(book.labs)}
    week_index = {group.key: i for i, group in enumerate(book.exercise_groups)}
    name = lambda r: r.learner.username.lower()  # noqa: E731
    if sort in lab_index:
        i = lab_index[sort]
        key = lambda r: (r.labs[i].best if r.labs[i].best is not None else -1, name(r))  # noqa: E731
    elif sort in week_index:
        i = week_index[sort]
        key = lambda r: (r.exercises[i].solved, r.exercises[i].points, name(r))  # noqa: E731
    elif sort == "points":
        key = lambda r: (r.points, name(r))  # noqa: E731
    elif sort == "passed":
        key = lambda r: (r.passed, name(r))  # noqa: E731
    elif sort == "exercises":
        key = lambda r: (r.solved, r.exercise_credit, name(r))  # noqa: E731
    elif sort == "last":
        key = lambda r: (r.last_activity.timestamp() if r.last_activity else 0, name(r))  # noqa: E731
    else:
        key = name
    return sorted(rows, key=key, reverse=desc)


# The exports live in their own module; these names stay importable from here.
from apps.dashboard.gradebook_csv import (  # noqa: E402
    CANVAS_LEADING_COLUMNS,
    SafeCsvWriter,
    export_canvas_csv,
    export_gradebook_csv,
    neutralize_csv_cell,
)

__all__ = [
    "CANVAS_LEADING_COLUMNS",
    "PASS",
    "SafeCsvWriter",
    "build_gradebook",
    "export_canvas_csv",
    "export_gradebook_csv",
    "filter_and_sort",
    "list_gradebook_labs",
    "neutralize_csv_cell",
]
