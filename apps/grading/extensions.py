"""Per-learner extensions on labs and exercises, and the attempt limits they extend.

``effective_lab_terms(cohort, learner, lab)`` is the one answer to "what deadline and how
many attempts does this learner have here": the cohort's policy (``LabPolicy.due_at``,
``LabAttemptLimit``) with the learner's ``LabExtension`` on top. Late marks, feedback release
(``apps.dashboard.policies.find_lab_rule``), the attempt check in ``submit_answer`` and the
exports read it (or ``lab_extensions(cohort)`` for a whole cohort at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from apps.accounts.models import Cohort
from apps.courses.models import Lab
from apps.dashboard.models import LabPolicy
from apps.grading.models import LabAttemptLimit, LabExtension, Submission

MAX_EXTRA_ATTEMPTS = 100
MAX_ATTEMPT_LIMIT = 1000


@dataclass(frozen=True)
class LabTerms:
    """A learner's deadline and attempt limit on a lab in one cohort (None: no limit)."""

    due_at: datetime | None
    max_attempts: int | None
    cohort_due_at: datetime | None
    cohort_max_attempts: int | None
    extension: LabExtension | None = None

    @property
    def extended(self) -> bool:
        return self.extension is not None


def _apply(extension: LabExtension | None, cohort_due, cohort_max) -> LabTerms:
    due, limit = cohort_due, cohort_max
    if extension is not None:
        if extension.due_at is not None:
            due = extension.due_at
        if limit is not None:
            limit += extension.extra_attempts
    return LabTerms(due, limit, cohort_due, cohort_max, extension)


def effective_lab_terms(cohort: Cohort, learner, lab: Lab) -> LabTerms:
    """The deadline and attempt limit that apply to ``learner`` on ``lab`` in ``cohort``: the
    cohort's, moved by the learner's extension if they have one. Extra attempts extend a
    limit; where the cohort sets none, attempts stay unlimited."""
    policy = LabPolicy.objects.filter(cohort=cohort, lab=lab).first()
    limit = LabAttemptLimit.objects.filter(cohort=cohort, lab=lab).values_list("max_attempts", flat=True).first()
    extension = LabExtension.objects.filter(cohort=cohort, learner=learner, lab=lab).first()
    return _apply(extension, policy.due_at if policy else None, limit)


def learner_lab_terms(learner, lab: Lab) -> dict[int, LabTerms]:
    """``effective_lab_terms`` for every cohort of ``learner``, keyed by cohort id, in three
    queries (the lab page and the submit check read all of a learner's cohorts)."""
    cohort_ids = list(learner.cohorts.values_list("pk", flat=True))
    dues = dict(LabPolicy.objects.filter(lab=lab, cohort_id__in=cohort_ids).values_list("cohort_id", "due_at"))
    limits = dict(
        LabAttemptLimit.objects.filter(lab=lab, cohort_id__in=cohort_ids).values_list("cohort_id", "max_attempts")
    )
    extensions = {e.cohort_id: e for e in LabExtension.objects.filter(lab=lab, learner=learner)}
    return {pk: _apply(extensions.get(pk), dues.get(pk), limits.get(pk)) for pk in cohort_ids}


def lab_extensions(cohort: Cohort) -> dict[tuple[int, int], LabExtension]:
    """Every learner's extension in ``cohort``, keyed by ``(learner_id, lab_id)``, one query.
    An extension's ``due_at`` may be None (extra attempts only)."""
    rows = LabExtension.objects.filter(cohort=cohort, learner__in=cohort.learners.all()).select_related("granted_by")
    return {(e.learner_id, e.lab_id): e for e in rows}


def attempt_limit(learner, lab: Lab) -> int | None:
    """The strictest attempt limit among the learner's cohorts (None: unlimited)."""
    limits = [t.max_attempts for t in learner_lab_terms(learner, lab).values() if t.max_attempts is not None]
    return min(limits) if limits else None


def count_used_attempts(learner, lab: Lab) -> int:
    """Submit attempts that count or may still count: graded by the learner's doing, or
    waiting for a grader. A platform fault gives the attempt back."""
    pending = [Submission.Status.QUEUED, Submission.Status.RUNNING]
    return (
        Submission.objects.filter(user=learner, lab=lab, kind=Submission.Kind.SUBMIT)
        .filter(Q(counted=True) | Q(status__in=pending))
        .count()
    )


def attempts_problem(learner, lab: Lab) -> str:
    """A learner-facing reason to refuse another graded attempt, or "" when one is allowed."""
    limit = attempt_limit(learner, lab)
    if limit is None:
        return ""
    used = count_used_attempts(learner, lab)
    if used < limit:
        return ""
    return (
        f"You have used all {limit} graded attempt{'s' if limit != 1 else ''} your instructor allows on this "
        f"{'exercise' if lab.is_exercise else 'lab'}. “Run” still checks an answer without grading it; ask your "
        "instructor if you need more attempts."
    )


# --------------------------------------------------------------------------- instructor actions


class ExtensionInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _require_instructor_of(cohort: Cohort, user, learner=None) -> None:
    if not cohort.is_taught_by(user):
        raise PermissionDenied("Only the cohort's instructor may change its extensions and attempt limits.")
    if learner is not None and not cohort.learners.filter(pk=learner.pk).exists():
        raise PermissionDenied("This learner is not in the cohort.")


def grant_lab_extension(
    cohort: Cohort,
    learner,
    lab: Lab,
    *,
    granted_by,
    due_at: datetime | None = None,
    extra_attempts: int = 0,
    reason: str = "",
) -> LabExtension:
    """Give ``learner`` a later deadline and/or extra attempts on ``lab`` in ``cohort``,
    replacing an extension they had. Only the cohort's instructor may; nothing is written
    unless every part is valid."""
    _require_instructor_of(cohort, granted_by, learner)
    terms = effective_lab_terms(cohort, learner, lab)
    problems = []
    if due_at is None and not extra_attempts:
        problems.append("Give a new deadline, extra attempts, or both.")
    if due_at is not None:
        if terms.cohort_due_at is None:
            problems.append(f"“{lab.title}” has no deadline in this cohort, so there is none to extend.")
        elif due_at <= terms.cohort_due_at:
            problems.append("The new deadline must be later than the cohort's deadline.")
    if not 0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS:
        problems.append(f"Extra attempts must be between 0 and {MAX_EXTRA_ATTEMPTS}.")
    elif extra_attempts and terms.cohort_max_attempts is None:
        problems.append(f"“{lab.title}” has no attempt limit in this cohort, so extra attempts change nothing.")
    if problems:
        raise ExtensionInvalid(problems)
    extension, _ = LabExtension.objects.update_or_create(
        cohort=cohort,
        learner=learner,
        lab=lab,
        defaults={
            "due_at": due_at,
            "extra_attempts": extra_attempts,
            "granted_by": granted_by,
            "reason": (reason or "").strip()[:300],
        },
    )
    return extension


def revoke_lab_extension(cohort: Cohort, learner, lab: Lab, *, revoked_by) -> bool:
    """Remove the learner's extension; True when there was one."""
    _require_instructor_of(cohort, revoked_by, learner)
    deleted, _ = LabExtension.objects.filter(cohort=cohort, learner=learner, lab=lab).delete()
    return bool(deleted)


@transaction.atomic
def set_attempt_limit(cohort: Cohort, lab: Lab, max_attempts: int | None, *, set_by) -> None:
    """Limit the graded attempts on ``lab`` for the whole cohort (None: no limit)."""
    _require_instructor_of(cohort, set_by)
    if max_attempts is None:
        LabAttemptLimit.objects.filter(cohort=cohort, lab=lab).delete()
        return
    if not 1 <= max_attempts <= MAX_ATTEMPT_LIMIT:
        raise ExtensionInvalid([f"The attempt limit must be between 1 and {MAX_ATTEMPT_LIMIT}, or empty for none."])
    LabAttemptLimit.objects.update_or_create(cohort=cohort, lab=lab, defaults={"max_attempts": max_attempts})
