"""Instructor actions: reviewing and overriding, grading projects, regrading; and the
lesson-progress table of a cohort."""

from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.courses.models import Lab, Lesson, LessonCompletion, Module


def summarize_cohort_progress(cohort: Cohort) -> dict:
    """Learners × modules completion for one cohort, in a constant number of queries."""
    learners = list(cohort.learners.order_by("username"))
    modules = list(Module.objects.filter(retired=False))
    lessons = list(Lesson.objects.filter(retired=False).values("pk", "module_id"))
    module_of = {row["pk"]: row["module_id"] for row in lessons}
    totals = defaultdict(int)
    for row in lessons:
        totals[row["module_id"]] += 1
    done = defaultdict(lambda: defaultdict(int))
    last_activity = {}
    completions = LessonCompletion.objects.filter(user__in=learners, lesson_id__in=module_of).values_list(
        "user_id", "lesson_id", "completed_at"
    )
    for user_id, lesson_id, completed_at in completions:
        done[user_id][module_of[lesson_id]] += 1
        if user_id not in last_activity or completed_at > last_activity[user_id]:
            last_activity[user_id] = completed_at
    rows = []
    for learner in learners:
        cells = [{"module": m, "done": done[learner.pk][m.pk], "total": totals[m.pk]} for m in modules]
        total_done = sum(cell["done"] for cell in cells)
        rows.append(
            {
                "learner": learner,
                "cells": cells,
                "done": total_done,
                "percent": round(100 * total_done / len(lessons)) if lessons else 0,
                "last_activity": last_activity.get(learner.pk),
            }
        )
    return {"modules": modules, "rows": rows, "lesson_count": len(lessons)}


# --------------------------------------------------------------------------- reviews


# The same review posted twice within this long is one review, not two.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=30)


class ReviewInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _score_from_percent(value, what: str) -> float:
    """A percent typed into a form, as a score in [0, 1]; ReviewInvalid names ``what``."""
    try:
        score = float(value) / 100
    except (TypeError, ValueError):
        raise ReviewInvalid([f"The {what} must be a number of percent, 0 to 100."]) from None
    if not 0 <= score <= 1:
        raise ReviewInvalid([f"The {what} must be between 0 and 100 percent."])
    return score


# Who may change a score. A submission has one override (``Submission.override_score``), and
# every gradebook that lists its learner shows it. We refuse a change unless the instructor
# runs every cohort the learner is in, rather than keeping one override per cohort: per-cohort
# overrides would make every gradebook, analytics query and learner page pick "which cohort's
# score", and a learner would see several final scores for one attempt. Sharing a learner
# across cohorts is rare; an instructor of just one of them may still comment.
SCORE_NOT_YOURS = (
    "This learner is also in a cohort you do not teach, whose gradebook shows the same score, "
    "so only an instructor of all their cohorts can change it. You can still save a comment "
    "(choose “Keep the score”)."
)


def may_change_score(author, learner) -> bool:
    """True when ``author`` is the instructor of every cohort ``learner`` belongs to."""
    from apps.accounts.access import cohorts_taught_by

    cohorts = Cohort.objects.filter(learners=learner)
    return cohorts.exists() and not cohorts.exclude(pk__in=cohorts_taught_by(author).values("pk")).exists()


def review_submission(submission, author, text: str, *, cohort: Cohort, score_action: str = "keep", score_percent=None):
    """Comment on a submission, as ``cohort``'s instructor, and optionally set (``set``) or
    remove (``clear``) an override of its score. The comment is the reason, so an override
    without one is refused; so is an override outside the author's authority (see above)."""
    from apps.grading.models import Review, Submission

    if not cohort.is_taught_by(author) or not cohort.learners.filter(pk=submission.user_id).exists():
        # Views reach here only through access_cohort_as_instructor; this guards other callers.
        raise PermissionDenied("Only an instructor of one of the learner's cohorts may review this submission.")
    text = (text or "").strip()
    problems = []
    if not text:
        problems.append("Write a comment (for a score change it is the reason the learner reads).")
    new_score = None
    if score_action == "set":
        try:
            new_score = _score_from_percent(score_percent, "new score")
        except ReviewInvalid as exc:
            problems += exc.problems
    elif score_action not in ("keep", "clear"):
        problems.append(f"Unknown score action {score_action!r}.")
    if score_action in ("set", "clear") and not may_change_score(author, submission.user):
        problems.append(SCORE_NOT_YOURS)
    if problems:
        raise ReviewInvalid(problems)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        last = locked.reviews.order_by("-created_at", "-pk").first()
        if (
            last is not None
            and last.author_id == author.pk
            and last.text == text
            and timezone.now() - last.created_at < DOUBLE_SUBMIT_WINDOW
        ):
            return last  # a double click or a resent form: one review, not two
        before = locked.effective_score
        changes = score_action == "set" or (score_action == "clear" and locked.override_score is not None)
        if changes:
            locked.override_score = new_score
            locked.save(update_fields=["override_score"])
        return Review.objects.create(
            submission=locked,
            author=author,
            cohort=cohort,
            text=text,
            changes_score=changes,
            score_before=before if changes else None,
            score_after=locked.effective_score if changes else None,
        )


# --------------------------------------------------------------------------- project grades


def grade_project(cohort: Cohort, learner, project, *, score_percent, handed_in_at, comment: str, graded_by):
    from apps.dashboard.models import ProjectGrade

    score = _score_from_percent(score_percent, "project score")
    grade, _ = ProjectGrade.objects.update_or_create(
        cohort=cohort,
        learner=learner,
        project=project,
        defaults={
            "score": score,
            "handed_in_at": handed_in_at or timezone.now(),
            "comment": comment.strip(),
            "graded_by": graded_by,
        },
    )
    return grade


# --------------------------------------------------------------------------- regrading


class RegradeStale(ValueError):
    """A preview that can no longer be applied as shown; the message says why."""


def start_regrade(
    cohort: Cohort,
    lab: Lab,
    requested_by,
    *,
    submission=None,
    submission_ids: list[int] | None = None,
    preview: bool = False,
):
    """Queue a regrade of one submission, of some (``submission_ids``: those graded against
    an older version, say), or of every graded submission of ``lab`` by the cohort's
    learners. Returns the job; each submission is regraded by its own task. With
    ``preview`` the job grades but writes no verdict until ``apply_regrade_preview``."""
    from apps.dashboard.models import RegradeJob
    from apps.grading.models import Submission

    whole_lab = submission is None and submission_ids is None
    graded = Submission.objects.filter(
        lab=lab,
        kind=Submission.Kind.SUBMIT,
        status__in=[Submission.Status.DONE, Submission.Status.FAILED],
        user__in=cohort.learners.all(),
    )
    if submission is not None:
        ids = [submission.pk]
    elif whole_lab:
        ids = sorted(graded.values_list("pk", flat=True))
    else:  # ids from a form: only the cohort's graded answers to this lab, never trusted as given
        ids = sorted(graded.filter(pk__in=submission_ids).values_list("pk", flat=True))
    running = RegradeJob.objects.filter(cohort=cohort, lab=lab, status=RegradeJob.Status.RUNNING, preview=preview)
    for job in running:  # a double click, or a second instructor tab: join the job under way
        if job.whole_lab if whole_lab else (not job.whole_lab and sorted(job.submission_ids) == ids):
            return job
    with transaction.atomic():
        job = RegradeJob.objects.create(
            cohort=cohort,
            lab=lab,
            requested_by=requested_by,
            total=len(ids),
            submission_ids=ids,
            whole_lab=whole_lab,
            preview=preview,
        )
        if not ids:
            job.status = RegradeJob.Status.DONE
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
        transaction.on_commit(lambda: _enqueue_regrades(job.pk, ids))
    return job


def _enqueue_regrades(job_id: int, submission_ids: list[int]) -> None:
    from apps.dashboard.models import RegradeJob
    from apps.dashboard.tasks import regrade_for_job
    from apps.grading.budget import TimeBudget

    limits = TimeBudget.for_lab(RegradeJob.objects.select_related("lab").get(pk=job_id).lab).celery_limits()
    for submission_id in submission_ids:
        regrade_for_job.apply_async((job_id, submission_id), **limits)


def regrade_one_for_job(job_id: int, submission_id: int, *, final_try: bool = True) -> None:
    """Grade one submission again and record its score before and after (for a preview, the
    score a regrade would give; nothing is written). Idempotent: a redelivered task finds its
    change row and stops. A platform fault keeps the earlier verdict and says so in the
    change row; before the final try it raises PlatformFault so the task retries."""
    from apps.dashboard.models import RegradeChange, RegradeJob
    from apps.grading import services as grading
    from apps.grading.models import GradingRun, Submission

    if RegradeChange.objects.filter(job_id=job_id, submission_id=submission_id).exists():
        return
    preview = RegradeJob.objects.filter(pk=job_id).values_list("preview", flat=True).get()
    before = Submission.objects.get(pk=submission_id).score
    if preview:
        run = grading.preview_regrade(submission_id)
        if not final_try and grading.is_retryable_fault(run):
            raise grading.PlatformFault(run.result["message"])
    else:
        run = grading.regrade_submission_now(submission_id, final_try=final_try)
    note = ""
    if run.outcome == GradingRun.Outcome.GRADED:
        after = run.score
    else:
        after = before
        verb = "A regrade would keep" if preview else "Could not regrade, kept"
        note = f"{verb} the earlier verdict: {run.result['message']}"[:300]
    with transaction.atomic():
        _, created = RegradeChange.objects.get_or_create(
            job_id=job_id,
            submission_id=submission_id,
            defaults={"before": before, "after": after, "note": note, "run": run},
        )
        job = RegradeJob.objects.select_for_update().get(pk=job_id)
        if created and job.changes.count() >= job.total and job.status != RegradeJob.Status.DONE:
            job.status = RegradeJob.Status.DONE
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])


def apply_regrade_preview(job) -> int:
    """Write the verdicts a finished preview showed, through the one verdict writer, and
    return how many changed. A submission graded again since its preview run (or being graded
    now) keeps its newer verdict; a preview of an older version of the lab is refused."""
    from apps.dashboard.models import RegradeJob
    from apps.grading.models import GradingRun
    from apps.grading.services import lab_content_hash, record_verdict

    if not job.preview or job.status != RegradeJob.Status.DONE:
        raise RegradeStale("Only a finished preview can be applied.")
    with transaction.atomic():
        locked = RegradeJob.objects.select_for_update().get(pk=job.pk)
        if locked.applied_at is not None:
            return locked.changes.filter(applied=True).count()  # a double click
        locked.applied_at = timezone.now()
        locked.save(update_fields=["applied_at"])
    current = lab_content_hash(job.lab)
    changes = list(job.changes.select_related("run").filter(run__outcome=GradingRun.Outcome.GRADED))
    if any(change.run.lab_hash != current for change in changes):
        RegradeJob.objects.filter(pk=job.pk).update(applied_at=None)
        raise RegradeStale("The lab changed after this preview was made; preview the regrade again.")
    applied = 0
    for change in changes:
        record_verdict(change.run)
        change.run.refresh_from_db()
        if change.run.applied:
            change.applied = True
            change.save(update_fields=["applied"])
            applied += 1
    return applied


def sweep_stuck_regrades(now=None) -> list[int]:
    """Re-queue the unfinished parts of regrade jobs that should have ended long ago (a lost
    broker message, a worker killed mid-task). Safe to repeat: each part is idempotent."""
    from apps.dashboard.models import RegradeJob
    from apps.grading.budget import TimeBudget

    now = now or timezone.now()
    requeued = []
    for job in RegradeJob.objects.filter(status=RegradeJob.Status.RUNNING).select_related("lab"):
        # Generous: every part could run one after another, each up to its hard time limit.
        expected = timedelta(seconds=120 + job.total * TimeBudget.for_lab(job.lab).hard_limit)
        if job.created_at > now - expected:
            continue
        done = set(job.changes.values_list("submission_id", flat=True))
        missing = [pk for pk in job.submission_ids if pk not in done]
        if missing:
            requeued.append(job.pk)
            _enqueue_regrades(job.pk, missing)
    return requeued
