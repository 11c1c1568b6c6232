"""Deadlines and feedback visibility: what an instructor set for a cohort, read from the
learner's side. A learner in several cohorts gets the strictest rule of them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.courses.models import Lab, Project
from apps.dashboard.models import FeedbackDetail, FeedbackMode, LabPolicy, ProjectPolicy, SolutionRelease

_STRICTNESS = {FeedbackMode.IMMEDIATE: 0, FeedbackMode.AFTER_DEADLINE: 1, FeedbackMode.HIDDEN: 2}
DETAIL_LEVELS = [FeedbackDetail.SCORE, FeedbackDetail.CHECKS, FeedbackDetail.EXPECTED, FeedbackDetail.FULL]


@dataclass(frozen=True)
class LabRule:
    feedback: str = FeedbackMode.IMMEDIATE
    due_at: datetime | None = None
    detail: str = FeedbackDetail.FULL
    # From the learner's extensions (``apps.grading.extensions``): the strictest attempt
    # limit of their cohorts (None: unlimited), and whether an extension moved ``due_at``.
    max_attempts: int | None = None
    extended: bool = False

    def _at_least(self, level: str) -> bool:
        return DETAIL_LEVELS.index(FeedbackDetail(self.detail)) >= DETAIL_LEVELS.index(FeedbackDetail(level))

    # Read by the verdict template (which cannot pass arguments): what a shown verdict includes.
    @property
    def shows_checks(self) -> bool:
        return self._at_least(FeedbackDetail.CHECKS)

    @property
    def shows_expected(self) -> bool:
        return self._at_least(FeedbackDetail.EXPECTED)

    @property
    def shows_hints(self) -> bool:
        return self._at_least(FeedbackDetail.FULL)

    def feedback_visible(self, now: datetime | None = None) -> bool:
        if self.feedback == FeedbackMode.HIDDEN:
            return False
        if self.feedback == FeedbackMode.AFTER_DEADLINE and self.due_at is not None:
            return (now or timezone.now()) >= self.due_at
        return True

    def is_late(self, when: datetime) -> bool:
        return self.due_at is not None and when > self.due_at

    def explain_hidden(self) -> str:
        if self.feedback == FeedbackMode.HIDDEN:
            return "Your instructor shows no feedback for this lab: your answer was received and graded."
        return (
            "Your answer was received and graded. Your instructor shows scores and feedback after the "
            f"deadline, {timezone.localtime(self.due_at):%b %d, %H:%M}."
        )


def find_lab_rule(user, lab: Lab) -> LabRule:
    """The rule for ``user`` on ``lab``: the strictest feedback mode and the earliest
    deadline among the cohorts they belong to."""
    if not user.is_authenticated:
        return LabRule()
    from apps.grading.extensions import learner_lab_terms

    terms = learner_lab_terms(user, lab)  # each cohort's deadline with the learner's extension
    limits = [t.max_attempts for t in terms.values() if t.max_attempts is not None]
    extra = {"max_attempts": min(limits) if limits else None}
    policies = list(LabPolicy.objects.filter(lab=lab, cohort__learners=user))
    if not policies:
        return LabRule(**extra)
    for policy in policies:
        if policy.cohort_id in terms:
            policy.due_at = terms[policy.cohort_id].due_at
    extra["extended"] = any(t.extended and t.due_at != t.cohort_due_at for t in terms.values())
    strictest = max(policies, key=lambda p: _STRICTNESS[FeedbackMode(p.feedback)])
    deadlines = [p.due_at for p in policies if p.due_at is not None]
    due_at = min(deadlines) if deadlines else None
    detail = min((FeedbackDetail(p.detail) for p in policies), key=DETAIL_LEVELS.index)
    if strictest.feedback == FeedbackMode.AFTER_DEADLINE:
        # Feedback waits for the latest deadline among the cohorts that ask to wait.
        waits = [p.due_at for p in policies if p.feedback == FeedbackMode.AFTER_DEADLINE and p.due_at]
        return LabRule(FeedbackMode.AFTER_DEADLINE, max(waits) if waits else due_at, detail, **extra)
    return LabRule(strictest.feedback, due_at, detail, **extra)



def parse_local_datetime(value: str) -> datetime | None:
    """A ``datetime-local`` form input's value (deadlines, extensions, hand-in times) in the
    site's time zone; None when blank. A malformed value raises ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@dataclass
class PolicyRow:
    """One line of the cohort settings form, already validated."""

    lab: Lab | None
    project: Project | None
    due_at: datetime | None
    feedback: str = FeedbackMode.IMMEDIATE
    detail: str = FeedbackDetail.FULL
    solution: str = SolutionRelease.STANDARD  # when the worked solution is released (solutions.py)


class PolicyInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def check_policy_rows(rows: list[PolicyRow]) -> list[str]:
    problems = []
    for row in rows:
        if row.lab and row.feedback == FeedbackMode.AFTER_DEADLINE and row.due_at is None:
            problems.append(f"“{row.lab.title}”: feedback “after the deadline” needs a deadline.")
        if row.feedback not in FeedbackMode.values:
            problems.append(f"“{(row.lab or row.project).title}”: unknown feedback mode {row.feedback!r}.")
        if row.detail not in FeedbackDetail.values:
            problems.append(f"“{(row.lab or row.project).title}”: unknown feedback detail {row.detail!r}.")
        if row.solution not in SolutionRelease.values:
            problems.append(f"“{(row.lab or row.project).title}”: unknown solution release {row.solution!r}.")
        if row.lab and row.solution == SolutionRelease.AFTER_DEADLINE and row.due_at is None:
            problems.append(f"“{row.lab.title}”: showing the solution “after the deadline” needs a deadline.")
    return problems


@transaction.atomic
def save_cohort_policies(cohort: Cohort, rows: list[PolicyRow]) -> None:
    """Replace the cohort's deadlines and feedback rules with ``rows``; nothing is written
    unless every row is valid."""
    problems = check_policy_rows(rows)
    if problems:
        raise PolicyInvalid(problems)
    for row in rows:
        if row.lab is not None:
            LabPolicy.objects.update_or_create(
                cohort=cohort,
                lab=row.lab,
                defaults={
                    "due_at": row.due_at,
                    "feedback": row.feedback,
                    "detail": row.detail,
                    "solution": row.solution,
                },
            )
        else:
            ProjectPolicy.objects.update_or_create(cohort=cohort, project=row.project, defaults={"due_at": row.due_at})
