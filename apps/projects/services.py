"""Deadlines with extensions, milestones from the brief, and what a learner's project page
shows. Views call these; the hand-in and rubric logic live in ``handins`` and ``rubric``."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.accounts.models import Cohort
from apps.courses.models import Project
from apps.dashboard.models import ProjectPolicy
from apps.projects.models import Assessment, Handin, ProjectExtension
from apps.projects.specs import has_grading, list_criteria

# ---------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Deadline:
    cohort: Cohort
    due_at: datetime | None  # the one that applies to this learner
    cohort_due_at: datetime | None
    extension: ProjectExtension | None

    @property
    def extended(self) -> bool:
        return self.extension is not None


def find_deadline(cohort: Cohort, learner, project: Project) -> Deadline:
    """The learner's deadline in a cohort: their extension if they have one, else the
    cohort's (None: no deadline)."""
    policy = ProjectPolicy.objects.filter(cohort=cohort, project=project).first()
    extension = ProjectExtension.objects.filter(cohort=cohort, learner=learner, project=project).first()
    cohort_due = policy.due_at if policy else None
    return Deadline(cohort, extension.due_at if extension else cohort_due, cohort_due, extension)


def list_learner_deadlines(learner, project: Project) -> list[Deadline]:
    return [find_deadline(c, learner, project) for c in learner.cohorts.order_by("name")]


def is_late(handin: Handin, deadline: Deadline | datetime | None) -> bool:
    due = deadline.due_at if isinstance(deadline, Deadline) else deadline
    return due is not None and handin.created_at > due


def set_extension(
    cohort: Cohort, learner, project: Project, due_at: datetime | None, *, granted_by, reason: str = ""
) -> ProjectExtension | None:
    """Give ``learner`` a deadline of their own, or remove it (``due_at`` None)."""
    if due_at is None:
        ProjectExtension.objects.filter(cohort=cohort, learner=learner, project=project).delete()
        return None
    extension, _ = ProjectExtension.objects.update_or_create(
        cohort=cohort,
        learner=learner,
        project=project,
        defaults={"due_at": due_at, "granted_by": granted_by, "reason": reason.strip()[:300]},
    )
    return extension


# ---------------------------------------------------------------------------- milestones

MILESTONE = re.compile(r"^\s*\d+\.\s+\*\*(?P<title>.+?)\*\*\s*(?P<text>.*)$")
HOURS = re.compile(r"\s*\((?P<hours>[\d.]+)\s*h\)\.?\s*$")


@dataclass(frozen=True)
class Milestone:
    number: int
    title: str
    hours: float | None
    text: str


def list_milestones(project: Project) -> list[Milestone]:
    """The numbered items of the brief's ``## Milestones`` section ("**Title (2 h).** text")."""
    section = re.search(r"^## Milestones\s*$(?P<body>.*?)(?=^## |\Z)", project.body, re.M | re.S)
    if not section:
        return []
    milestones = []
    for line in section.group("body").splitlines():
        match = MILESTONE.match(line)
        if not match:
            continue
        title, hours = match.group("title").strip(), None
        timed = HOURS.search(title)
        if timed:
            hours = float(timed.group("hours"))
            title = title[: timed.start()]
        milestones.append(Milestone(len(milestones) + 1, title.rstrip(". "), hours, match.group("text").strip()))
    return milestones


# ---------------------------------------------------------------------------- the learner's page


def released_assessments(learner, project: Project) -> list[Assessment]:
    """The learner's assessments their instructors released, each with ``rows`` and ``total``."""
    from apps.projects.rubric import compute_total, list_rubric_rows

    assessments = list(
        Assessment.objects.filter(learner=learner, project=project, released_at__isnull=False)
        .select_related("cohort", "graded_by", "handin", "project")
        .prefetch_related("marks", "line_comments", "overrides")
    )
    for assessment in assessments:
        assessment.rows = list_rubric_rows(assessment)
        assessment.total = compute_total(assessment)
    return assessments


def list_open_items(project: Project, handin: Handin | None, released: list[Assessment] = ()) -> list[str]:
    """What the learner still has to do, in words: each auto criterion not yet at full
    points and each instructor criterion their instructor has not released a grade for."""
    criteria = list_criteria(project)
    if not criteria:
        return []
    results = {c["id"]: c for c in (handin.criteria if handin else [])}
    judged = {row.criterion.id for a in released for row in a.rows if row.points is not None}
    items = []
    for criterion in criteria:
        if criterion.is_auto:
            got = results.get(criterion.id)
            if got is None:
                items.append(f"{criterion.title}: not graded yet ({criterion.points:g} points).")
            elif (got.get("points_awarded") or 0) < criterion.points:
                items.append(f"{criterion.title}: {got.get('points_awarded') or 0:g} of {criterion.points:g} points.")
        elif criterion.id not in judged:
            items.append(f"{criterion.title}: judged by your instructor ({criterion.points:g} points).")
    return items


def project_page_context(user, project: Project) -> dict:
    """What ``courses/project.html`` shows beyond the brief."""
    context = {
        "milestones": list_milestones(project),
        "criteria": list_criteria(project),
        "gradable_project": has_grading(project),
    }
    if not user.is_authenticated:
        return context
    handins = list(Handin.objects.filter(learner=user, project=project).order_by("-version")[:20])
    deadlines = list_learner_deadlines(user, project)
    latest = handins[0] if handins else None
    last_graded = next((h for h in handins if h.status == Handin.Status.DONE), None)
    for handin in handins:
        handin.late = any(is_late(handin, d) for d in deadlines)
    assessments = released_assessments(user, project)
    context.update(
        handins=handins,
        latest_handin=latest,
        last_graded=last_graded,
        deadlines=[d for d in deadlines if d.due_at],
        open_items=list_open_items(project, last_graded, assessments),
        assessments=assessments,
        now=timezone.now(),
        handin_token=uuid.uuid4(),
    )
    return context


@dataclass(frozen=True)
class ProjectStatus:
    """One line on the instructor's learner page: the newest hand-in and where grading stands."""

    latest: Handin | None
    assessment: Assessment | None

    @property
    def summary(self) -> str:
        if self.latest is None:
            return "Nothing handed in yet."
        parts = [f"Version {self.latest.version}, {timezone.localtime(self.latest.created_at):%b %-d, %H:%M}"]
        if self.latest.status == Handin.Status.DONE:
            parts.append(f"auto {self.latest.auto_points:g} / {self.latest.auto_possible:g}")
        else:
            parts.append(self.latest.get_status_display().lower())
        if self.assessment is None:
            parts.append("not assessed")
        else:
            shown = "released" if self.assessment.released_at else "not released"
            parts.append(f"rubric on version {self.assessment.handin.version}, {shown}")
        return " · ".join(parts)


def summarize_learner_projects(cohort: Cohort, learner) -> dict[int, ProjectStatus]:
    """project id -> ProjectStatus, in two queries."""
    latest: dict[int, Handin] = {}
    for handin in Handin.objects.filter(learner=learner).defer("result").order_by("version"):
        latest[handin.project_id] = handin
    assessments = {
        a.project_id: a for a in Assessment.objects.filter(cohort=cohort, learner=learner).select_related("handin")
    }
    return {pid: ProjectStatus(latest.get(pid), assessments.get(pid)) for pid in {*latest, *assessments}}
