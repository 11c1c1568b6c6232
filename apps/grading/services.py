"""Submitting, grading and re-grading answers. Views and tasks only call these."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.courses.models import Lab
from apps.grading.budget import TimeBudget
from apps.grading.leases import lease_is_free, store_run_result, sweep_stuck, take_lease, worker_name
from apps.grading.models import GradingRun, Submission
from apps.grading.signals import verdict_recorded

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 100_000
# Platform faults (a sandbox that would not start) are retried this many times before the
# submission is marked "could not be graded"; none of them counts as an attempt.
MAX_PLATFORM_RETRIES = 3


class AnswerInvalid(ValueError):
    """The answer was refused before queuing; ``problems`` are learner-facing lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class AttemptsUsedUp(AnswerInvalid):
    """Every graded attempt the learner's cohort allows (with their extension) is used."""


class SubmissionThrottled(Exception):
    """The learner has too many answers in flight or sends them too fast; nothing was saved.
    ``message`` is learner-facing, ``retry_after`` the seconds worth waiting."""

    def __init__(self, message: str, retry_after: int):
        self.message = message
        self.retry_after = retry_after
        super().__init__(message)


class PlatformFault(RuntimeError):
    """Grading failed through no fault of the learner; the task retries it."""


class LeaseBusy(RuntimeError):
    """Another run holds this submission's grading lease; a regrade waits for it."""


def load_lab_spec(lab: Lab):
    from labs.spec import load_spec

    return load_spec(Path(settings.CURRICULUM_DIR) / lab.source_path)


def validate_answer(lab: Lab, answer: str) -> list[str]:
    """Problems that make an answer pointless to queue (empty, too long, invalid runbook)."""
    from labs.answer import answer_problems

    problems = answer_problems(answer)  # empty, too long, NUL or undecodable characters: as the CLI says
    if problems:
        return problems
    spec = load_lab_spec(lab)
    if spec.answer_format == "runbook":
        from labs.runbook import RunbookError, parse_lab_runbook

        try:
            parse_lab_runbook(spec, answer)
        except RunbookError as exc:
            return str(exc).splitlines()  # one "line N: ..." message per problem
    return []


RATE_WINDOW = timedelta(minutes=1)


def check_submission_allowance(user, now=None) -> None:
    """Raise SubmissionThrottled when ``user`` already has the maximum of answers queued or
    running, or sent the per-minute maximum in the last minute. Both counts are read from
    the Submission rows, so every web process sees the same numbers."""
    now = now or timezone.now()
    cap = settings.INDEXED_MAX_PENDING_SUBMISSIONS
    pending = Submission.objects.filter(
        user=user, status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING]
    ).count()
    if pending >= cap:
        raise SubmissionThrottled(
            f"You already have {pending} answers waiting for a grader (the limit is {cap}). "
            "Wait until one has its verdict, then send this one again: your answer is still in the editor.",
            retry_after=5,
        )
    per_minute = settings.INDEXED_SUBMISSIONS_PER_MINUTE
    recent = Submission.objects.filter(user=user, created_at__gt=now - RATE_WINDOW).order_by("created_at")
    count = recent.count()
    if count >= per_minute:
        oldest = recent.values_list("created_at", flat=True).first()
        wait = max(1, math.ceil((oldest + RATE_WINDOW - now).total_seconds()))
        raise SubmissionThrottled(
            f"You sent {count} answers in the last minute (the limit is {per_minute}). "
            f"Try again in {wait} seconds: your answer is still in the editor.",
            retry_after=wait,
        )


def submit_answer(
    user,
    lab: Lab,
    answer: str,
    *,
    kind: str = Submission.Kind.SUBMIT,
    client_token=None,
    enforce_limits: bool = True,
) -> Submission:
    """Save the answer and queue its grading once the row is committed.

    The same ``client_token`` twice (a double click) returns the first submission and
    queues nothing more. With ``enforce_limits`` (every learner-facing path), a learner over
    their queue cap or rate limit gets SubmissionThrottled and no row is created.
    """
    problems = validate_answer(lab, answer)
    if problems:
        raise AnswerInvalid(problems)
    token = client_token or uuid.uuid4()
    existing = Submission.objects.filter(user=user, client_token=token).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            if enforce_limits:
                # Lock the learner's row so two simultaneous requests cannot both slip under
                # the cap (SQLite's IMMEDIATE transactions already serialise writers).
                list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
                check_submission_allowance(user)
                if kind == Submission.Kind.SUBMIT:
                    from apps.grading.extensions import attempts_problem

                    problem = attempts_problem(user, lab)
                    if problem:
                        raise AttemptsUsedUp([problem])
            submission = Submission.objects.create(user=user, lab=lab, answer=answer, kind=kind, client_token=token)
            transaction.on_commit(lambda: enqueue_grading(submission.pk))
    except IntegrityError:  # the twin request committed first
        return Submission.objects.get(user=user, client_token=token)
    return submission


def enqueue_grading(submission_id: int) -> None:
    """Hand a submission to the workers. ``queued_at`` is written only once the broker took
    the message, so a submission without it was never dispatched and the sweeper sends it."""
    from apps.grading.tasks import grade_submission

    submission = Submission.objects.select_related("lab").get(pk=submission_id)
    try:
        grade_submission.apply_async((submission_id,), **TimeBudget.for_lab(submission.lab).celery_limits())
    except Exception:  # a broker that is down must not turn the learner's submit into a 500
        log.exception("could not queue submission %s; the sweeper will", submission_id)
        return
    Submission.objects.filter(pk=submission_id).update(queued_at=timezone.now())


def enqueue_regrade(submission_id: int) -> None:
    """Queue a regrade of one submission. Its earlier verdict stays until a gradable run
    replaces it; ``requested_at`` lets a redelivered message see the regrade is done."""
    from apps.grading.tasks import regrade_submission

    submission = Submission.objects.select_related("lab").get(pk=submission_id)
    regrade_submission.apply_async(
        (submission_id, timezone.now().isoformat()), **TimeBudget.for_lab(submission.lab).celery_limits()
    )


def grade_answer(lab: Lab, answer: str) -> dict:
    """Grade in this process and return the Result as JSON-ready data. Both the worker and
    ``manage.py grade`` come through here."""
    from labs import grade
    from labs.result import Result

    try:
        spec = load_lab_spec(lab)
    except Exception as exc:  # the lab folder itself is broken: our fault, not the learner's
        log.exception("could not load lab %s", lab.key)
        return Result.failed_by_platform(f"This lab could not be loaded: {exc}").to_dict()
    return grade(spec, answer).to_dict()


def lab_content_hash(lab: Lab) -> str:
    """The lab's content hash as the worker sees its files now ("" when they cannot load)."""
    try:
        return load_lab_spec(lab).content_hash()
    except Exception:
        return ""


# --------------------------------------------------------------------------- grading runs


def claim_submission(submission_id: int, purpose: str = GradingRun.Purpose.GRADE) -> GradingRun | None:
    """Take the submission's grading lease and open a run; None when another run holds an
    unexpired lease or, for a first grade, the submission already has its verdict (the lease
    itself: apps.grading.leases.take_lease)."""
    submission = Submission.objects.select_related("lab").get(pk=submission_id)
    budget = TimeBudget.for_lab(submission.lab)
    lab_hash = lab_content_hash(submission.lab)
    now = timezone.now()
    claimable = Submission.objects.filter(lease_is_free(now), pk=submission_id)
    changes = {}
    if purpose == GradingRun.Purpose.GRADE:
        claimable = claimable.filter(status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING])
        changes = {"status": Submission.Status.RUNNING, "started_at": now}
    return take_lease(
        claimable,
        lambda: GradingRun.objects.create(
            submission_id=submission_id,
            purpose=purpose,
            lab_hash=lab_hash,
            worker=worker_name(),
            lease_expires_at=now + budget.lease,
            started_at=now,
        ),
        # A preview never holds the lease, so a claim does not make it lost.
        GradingRun.objects.filter(submission_id=submission_id).exclude(purpose=GradingRun.Purpose.PREVIEW),
        now,
        **changes,
    )


def run_grading(run: GradingRun) -> GradingRun:
    """Grade the run's submission in this process and store the outcome on the run only.
    Celery's soft time limit (see budget.py) is a platform fault like any other."""
    from celery.exceptions import SoftTimeLimitExceeded

    from labs.result import Result

    submission = Submission.objects.select_related("lab").get(pk=run.submission_id)
    try:
        result = grade_answer(submission.lab, submission.answer)
    except SoftTimeLimitExceeded:
        budget = TimeBudget.for_lab(submission.lab)
        log.error("submission %s: grading ran past its soft time limit of %.0f s", submission.pk, budget.soft_limit)
        result = Result.failed_by_platform(
            f"Grading ran past this lab's time budget of {budget.soft_limit:.0f} s and was stopped; "
            "this attempt does not count."
        ).to_dict()
    outcome = GradingRun.Outcome.GRADED if result["gradable"] else GradingRun.Outcome.FAULT
    return store_run_result(run, result, outcome)


def record_verdict(run: GradingRun, *, final: bool = True) -> Submission:
    """The one function that writes a submission's verdict, from a finished run.

    - A gradable run becomes the verdict (an instructor's override stays on top of it).
    - An ungradable run (a platform fault) never replaces a gradable verdict. On a
      submission without one it becomes "could not be graded" when ``final``; otherwise a
      first grade waits, queued, for the retry.
    - A grade or regrade writes only while it holds the lease: a run whose worker was
      presumed dead and replaced writes nothing. A previewed run (never leased) is applied
      only if nobody holds the lease and the verdict has not changed since it started.
    Releases the lease the run held."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=run.submission_id)
        run = GradingRun.objects.get(pk=run.pk)
        now = timezone.now()
        holds_lease = submission.lease_run_id == run.pk
        if run.purpose == GradingRun.Purpose.PREVIEW:
            lease_free = submission.lease_run_id is None or submission.leased_until <= now
            unchanged = submission.finished_at is None or submission.finished_at <= run.started_at
            may_write = lease_free and unchanged and run.outcome == GradingRun.Outcome.GRADED
        else:
            may_write = holds_lease and run.outcome in (GradingRun.Outcome.GRADED, GradingRun.Outcome.FAULT)
        if not may_write:
            log.info("run %s of submission %s writes no verdict (lease or verdict moved on)", run.pk, submission.pk)
            return submission
        changes: dict = {}
        if run.outcome == GradingRun.Outcome.GRADED:
            changes = {
                "status": Submission.Status.DONE,
                "result": run.result,
                "score": run.result["score"],
                "counted": submission.kind == Submission.Kind.SUBMIT,
                "finished_at": now,
            }
        elif submission.status != Submission.Status.DONE:
            if final:
                changes = {
                    "status": Submission.Status.FAILED,
                    "result": run.result,
                    "score": None,
                    "counted": False,
                    "finished_at": now,
                }
            elif run.purpose == GradingRun.Purpose.GRADE:
                changes = {"status": Submission.Status.QUEUED}  # a regrade leaves the status as it was
        if holds_lease:
            changes.update(lease_run=None, leased_until=None)
        Submission.objects.filter(pk=submission.pk).update(**changes)
        if "result" in changes:
            GradingRun.objects.filter(pk=run.pk).update(applied=True)
            transaction.on_commit(
                lambda: verdict_recorded.send(sender=Submission, submission_id=submission.pk), robust=True
            )
    return Submission.objects.get(pk=submission.pk)


def is_retryable_fault(run: GradingRun) -> bool:
    """A platform fault worth another try (not a lab this installation cannot run)."""
    from labs.result import PLATFORM_ERROR

    return run.outcome == GradingRun.Outcome.FAULT and run.result["status"] == PLATFORM_ERROR


def grade_submission_now(submission_id: int, *, final_try: bool = True) -> Submission:
    """Grade one submission in this process. Safe to call twice, and from two workers at
    once: only the holder of the lease grades, and a finished submission is left alone.
    Raises PlatformFault when a retryable fault should be retried (not on ``final_try``)."""
    run = claim_submission(submission_id)
    if run is None:
        return Submission.objects.get(pk=submission_id)
    run = run_grading(run)
    retry = not final_try and is_retryable_fault(run)
    submission = record_verdict(run, final=not retry)
    if retry:
        raise PlatformFault(run.result["message"])
    return submission


def regrade_submission_now(
    submission_id: int, *, final_try: bool = True, requested_at: datetime | None = None
) -> GradingRun | None:
    """Grade a submission again (after its lab changed) and return the run. The earlier
    verdict stays until a gradable run replaces it. Returns None when a regrade requested at
    ``requested_at`` already happened (a redelivered message); raises LeaseBusy while
    another run grades it and PlatformFault for a retryable fault (not on ``final_try``)."""
    if (
        requested_at is not None
        and GradingRun.objects.filter(
            submission_id=submission_id,
            purpose=GradingRun.Purpose.REGRADE,
            outcome=GradingRun.Outcome.GRADED,
            started_at__gte=requested_at,
        ).exists()
    ):
        return None
    run = claim_submission(submission_id, GradingRun.Purpose.REGRADE)
    if run is None:
        raise LeaseBusy(f"submission {submission_id} is being graded by another run")
    run = run_grading(run)
    retry = not final_try and is_retryable_fault(run)
    record_verdict(run, final=not retry)
    if retry:
        raise PlatformFault(run.result["message"])
    return GradingRun.objects.get(pk=run.pk)


def preview_regrade(submission_id: int) -> GradingRun:
    """Grade a submission as a regrade would, without touching its verdict: the run is what
    an instructor's preview shows and, if they apply it, what ``record_verdict`` writes."""
    submission = Submission.objects.select_related("lab").get(pk=submission_id)
    run = GradingRun.objects.create(
        submission=submission,
        purpose=GradingRun.Purpose.PREVIEW,
        lab_hash=lab_content_hash(submission.lab),
        worker=worker_name(),
    )
    return run_grading(run)


def sweep_stuck_submissions(now=None, dispatch_grace: float = 60) -> list[int]:
    """Re-queue what a dead worker or a message that was never sent left behind:

    - a submission whose grading lease expired: the worker holding it died (the lease
      outlives Celery's hard limit, see budget.py). Its run is marked lost.
    - a submission saved but never handed to the broker (no ``queued_at``).

    A submission waiting in a long queue has neither, and is left alone: the broker
    delivers it, and sending it again would only lengthen the queue."""

    def requeue_first_grade(submission_id: int) -> bool:
        # A regrade's earlier verdict is still in place; the regrade's own message
        # comes back (acks_late) and its job's sweeper re-queues it.
        return bool(
            Submission.objects.filter(pk=submission_id, status=Submission.Status.RUNNING).update(
                status=Submission.Status.QUEUED
            )
        )

    return sweep_stuck(
        Submission,
        GradingRun,
        now or timezone.now(),
        dispatch_grace,
        on_release=requeue_first_grade,
        enqueue=enqueue_grading,
    )
