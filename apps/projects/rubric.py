"""An instructor's rubric grading of a project: one row per criterion of the brief's
table, instructor rows judged by level with a comment, auto rows prefilled from the
hand-in's result and overridable only with a reason (kept as CriterionOverride rows), inline
comments on lines of the handed-in files, and a release that makes it all visible."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.courses.models import Project
from apps.projects.models import Assessment, CriterionMark, CriterionOverride, Handin, LineComment
from apps.projects.specs import Criterion, list_criteria


class RubricInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _auto_points(handin: Handin | None, criterion_id: str) -> float | None:
    for row in handin.criteria if handin else []:
        if row.get("id") == criterion_id:
            return float(row.get("points_awarded") or 0)
    return None


def pick_handin(learner, project: Project) -> Handin | None:
    """The version an instructor grades by default: the newest auto-graded one, else the newest."""
    handins = Handin.objects.filter(learner=learner, project=project).order_by("-version")
    return handins.filter(status=Handin.Status.DONE).first() or handins.first()


def open_assessment(cohort: Cohort, learner, project: Project, instructor, handin: Handin | None = None) -> Assessment:
    """The learner's assessment in the cohort, created on first use against ``handin`` (or
    the default version). Moving it to another version re-reads the auto rows that were not
    overridden; instructor rows, comments and overrides stay."""
    handin = handin or pick_handin(learner, project)
    if handin is None:
        raise RubricInvalid([f"{learner.username} has not handed in “{project.title}” yet."])
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(
            cohort=cohort, learner=learner, project=project, defaults={"handin": handin, "graded_by": instructor}
        )
        if not created and assessment.handin_id != handin.pk:
            assessment.handin = handin
            assessment.save(update_fields=["handin", "updated_at"])
        for criterion in list_criteria(project):
            mark, _ = CriterionMark.objects.get_or_create(assessment=assessment, criterion=criterion.id)
            if criterion.is_auto and not mark.overridden:
                mark.points = _auto_points(handin, criterion.id)
                mark.save(update_fields=["points"])
    return assessment


@dataclass
class RubricRow:
    criterion: Criterion
    mark: CriterionMark | None
    auto_points: float | None  # what the platform gave (auto rows)
    auto_message: str = ""
    override_reason: str = ""  # why the instructor changed the platform's points (shown on release)

    @property
    def points(self) -> float | None:
        if self.criterion.is_auto:
            if self.mark and self.mark.overridden:
                return self.mark.points
            return self.auto_points
        return self.mark.points if self.mark else None


def list_rubric_rows(assessment: Assessment) -> list[RubricRow]:
    marks = {m.criterion: m for m in assessment.marks.all()}
    results = {r.get("id"): r for r in assessment.handin.criteria}
    reasons = {o.criterion: o.reason for o in assessment.overrides.all()}  # oldest first: the last one stays
    rows = []
    for criterion in list_criteria(assessment.project):
        result = results.get(criterion.id, {})
        auto = float(result["points_awarded"]) if result.get("points_awarded") is not None else None
        mark = marks.get(criterion.id)
        reason = reasons.get(criterion.id, "") if mark and mark.overridden else ""
        rows.append(RubricRow(criterion, mark, auto if criterion.is_auto else None, result.get("message", ""), reason))
    return rows


@dataclass(frozen=True)
class Total:
    points: float
    possible: float
    ungraded: int  # rows without points yet

    @property
    def complete(self) -> bool:
        return self.ungraded == 0

    @property
    def score(self) -> float | None:
        return self.points / self.possible if self.possible else None


def compute_total(assessment: Assessment) -> Total:
    """The sum over the brief's table: every row's points, out of every row's maximum."""
    rows = list_rubric_rows(assessment)
    got = [r.points for r in rows]
    return Total(
        round(sum(p for p in got if p is not None), 2),
        sum(r.criterion.points for r in rows),
        sum(p is None for p in got),
    )


def _number(raw, what: str, high: float) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise RubricInvalid([f"{what}: “{raw}” is not a number of points."]) from None
    if not 0 <= value <= high:
        raise RubricInvalid([f"{what}: points must be between 0 and {high:g}; got {value:g}."])
    return value


def grade_rubric(assessment: Assessment, author, rows: dict[str, dict], comment: str | None = None) -> Assessment:
    """Save the instructor's rubric. ``rows`` maps criterion id to ``level`` and ``comment``
    (instructor rows) or ``override`` (points, "" to remove) and ``reason`` (auto rows).
    All or nothing: any invalid row saves no row."""
    criteria = {c.id: c for c in list_criteria(assessment.project)}
    problems: list[str] = []
    plan: list[tuple[Criterion, dict]] = []
    for cid, data in rows.items():
        criterion = criteria.get(cid)
        if criterion is None:
            problems.append(f"“{cid}” is not a criterion of this project.")
            continue
        try:
            plan.append((criterion, _plan_row(assessment, criterion, data)))
        except RubricInvalid as exc:
            problems += exc.problems
    if problems:
        raise RubricInvalid(problems)
    with transaction.atomic():
        for criterion, change in plan:
            mark, _ = CriterionMark.objects.get_or_create(assessment=assessment, criterion=criterion.id)
            override = change.pop("override_audit", None)
            if override:
                CriterionOverride.objects.create(
                    assessment=assessment, criterion=criterion.id, author=author, **override
                )
            for name, value in change.items():
                setattr(mark, name, value)
            mark.save()
        if comment is not None:
            assessment.comment = comment.strip()
        assessment.graded_by = author
        assessment.save()
    return assessment


def _plan_row(assessment: Assessment, criterion: Criterion, data: dict) -> dict:
    """The field changes of one row, validated (RubricInvalid otherwise)."""
    change: dict = {"comment": (data.get("comment") or "").strip()}
    if not criterion.is_auto:
        level_name = (data.get("level") or "").strip()
        if not level_name:
            change.update(level="", points=None)
            return change
        level = next((lv for lv in criterion.levels if lv.name == level_name), None)
        if level is None:
            raise RubricInvalid([f"{criterion.title}: “{level_name}” is not one of its levels."])
        change.update(level=level.name, points=min(level.points, criterion.points))
        return change
    mark = assessment.marks.filter(criterion=criterion.id).first()
    was_overridden = bool(mark and mark.overridden)
    current = mark.points if was_overridden else _auto_points(assessment.handin, criterion.id)
    raw = (data.get("override") or "").strip() if data.get("override") is not None else None
    reason = (data.get("reason") or "").strip()
    if raw is None or (raw == "" and not was_overridden):
        return change  # untouched
    if raw == "":  # the instructor removes the override: back to the platform's points
        if not reason:
            raise RubricInvalid([f"{criterion.title}: say why you remove the override."])
        auto = _auto_points(assessment.handin, criterion.id)
        change.update(
            overridden=False,
            points=auto,
            override_audit={"points_before": current, "points_after": None, "reason": reason},
        )
        return change
    value = _number(raw, criterion.title, criterion.points)
    if was_overridden and current == value:
        return change
    if not was_overridden and current == value:
        return change  # the same points as the platform's: nothing to override
    if not reason:
        raise RubricInvalid([f"{criterion.title}: changing the platform's points needs a reason."])
    change.update(
        overridden=True,
        points=value,
        override_audit={"points_before": current, "points_after": value, "reason": reason},
    )
    return change


def add_line_comment(assessment: Assessment, author, path: str, line, text: str) -> LineComment:
    text = (text or "").strip()
    if not text:
        raise RubricInvalid(["A line comment needs some text."])
    handed = assessment.handin.files.filter(path=path).first()
    if handed is None:
        raise RubricInvalid([f"{path} is not a file of version {assessment.handin.version}."])
    content = handed.text()
    lines = len(content.splitlines()) if content is not None else 0
    try:
        number = int(line)
    except (TypeError, ValueError):
        raise RubricInvalid([f"“{line}” is not a line number."]) from None
    if not 1 <= number <= max(lines, 1):
        raise RubricInvalid([f"{path} has {lines} lines; there is no line {number}."])
    return LineComment.objects.create(assessment=assessment, path=path, line=number, text=text, author=author)


def release_assessment(assessment: Assessment, by, *, release: bool = True) -> Assessment:
    """Show the rubric, comments and total to the learner (or hide them again)."""
    assessment.released_at = timezone.now() if release else None
    assessment.released_by = by if release else None
    assessment.save(update_fields=["released_at", "released_by", "updated_at"])
    return assessment


def list_annotated_files(assessment: Assessment) -> list[dict]:
    """The graded version's files for the rubric page: each text file as numbered lines with
    the line comments on them (``lines`` None for a binary file)."""
    comments: dict[tuple[str, int], list[LineComment]] = {}
    for comment in assessment.line_comments.select_related("author"):
        comments.setdefault((comment.path, comment.line), []).append(comment)
    commented_paths = {path for path, _ in comments}
    files = []
    for f in assessment.handin.files.all():
        text = f.text()
        lines = None
        if text is not None:
            lines = [(n, line, comments.get((f.path, n), [])) for n, line in enumerate(text.splitlines(), 1)]
        files.append({"path": f.path, "size": f.size, "lines": lines, "commented": f.path in commented_paths})
    return files
