"""Submitting, grading and re-grading answers. Views and tasks only call these."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.courses.models import Lab
from apps.grading.models import Submission

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


class SubmissionThrottled(Exception):
    """The learner has too many answers in flight or sends them too fast; nothing was saved.
    ``message`` is learner-facing, ``retry_after`` the seconds worth waiting."""

    def __init__(self, message: str, retry_after: int):
        self.message = message
        self.retry_after = retry_after
        super().__init__(message)


class PlatformFault(RuntimeError):
    """Grading failed through no fault of the learner; the task retries it."""


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
            submission = Submission.objects.create(user=user, lab=lab, answer=answer, kind=kind, client_token=token)
            transaction.on_commit(lambda: enqueue_grading(submission.pk))
    except IntegrityError:  # the twin request committed first
        return Submission.objects.get(user=user, client_token=token)
    return submission


def enqueue_grading(submission_id: int) -> None:
    from apps.grading.tasks import grade_submission

    submission = Submission.objects.select_related("lab").get(pk=submission_id)
    limit = submission.lab.time_limit
    Submission.objects.filter(pk=submission_id).update(queued_at=timezone.now())
    # Celery's soft limit gives the grader time to tear sandboxes down; the hard limit
    # kills a grader that hangs anyway (the sweeper then re-queues it).
    grade_submission.apply_async((submission_id,), soft_time_limit=limit + 10, time_limit=limit + 30)


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


def _claim(submission_id: int) -> Submission | None:
    """Mark the submission running; None when it is already finished (idempotence)."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("lab").get(pk=submission_id)
        if submission.is_finished:
            return None
        submission.status = Submission.Status.RUNNING
        submission.tries += 1
        submission.started_at = timezone.now()
        submission.save(update_fields=["status", "tries", "started_at"])
    return submission


def grade_submission_now(submission_id: int, *, final_try: bool = True) -> Submission:
    """Grade one submission in this process. Safe to call twice: a finished submission is
    returned untouched, and the verdict is written only if nobody wrote one first."""
    submission = _claim(submission_id)
    if submission is None:
        return Submission.objects.get(pk=submission_id)
    result = grade_answer(submission.lab, submission.answer)
    if not result["gradable"] and result["status"] == "platform_error" and not final_try:
        Submission.objects.filter(pk=submission_id, status=Submission.Status.RUNNING).update(
            status=Submission.Status.QUEUED
        )
        raise PlatformFault(result["message"])
    return _finish(submission, result)


def _finish(submission: Submission, result: dict) -> Submission:
    gradable = bool(result["gradable"])
    updated = (
        Submission.objects.filter(pk=submission.pk)
        .exclude(status__in=[Submission.Status.DONE, Submission.Status.FAILED])
        .update(
            status=Submission.Status.DONE if gradable else Submission.Status.FAILED,
            result=result,
            score=result["score"] if gradable else None,
            counted=gradable and submission.kind == Submission.Kind.SUBMIT,
            finished_at=timezone.now(),
        )
    )
    if not updated:
        log.info("submission %s was already finished; keeping the first verdict", submission.pk)
    return Submission.objects.get(pk=submission.pk)


def regrade_submission(submission: Submission, *, enqueue: bool = True) -> Submission:
    """Grade again (after the lab changed): reset the verdict and, by default, queue it."""
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.QUEUED, result=None, score=None, counted=False, finished_at=None
    )
    if enqueue:
        transaction.on_commit(lambda: enqueue_grading(submission.pk))
    return Submission.objects.get(pk=submission.pk)


def sweep_stuck_submissions(now=None, queued_grace: float = 60, running_grace: float = 60) -> list[int]:
    """Re-queue submissions a lost broker message or a dead worker left behind."""
    now = now or timezone.now()
    stuck = []
    for submission in Submission.objects.filter(
        status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING]
    ).select_related("lab"):
        if submission.status == Submission.Status.QUEUED:
            since = submission.queued_at or submission.created_at
            late = since < now - timedelta(seconds=queued_grace)
        else:
            late = submission.started_at < now - timedelta(seconds=submission.lab.time_limit + 30 + running_grace)
        if late:
            stuck.append(submission.pk)
    for submission_id in stuck:
        Submission.objects.filter(pk=submission_id).update(status=Submission.Status.QUEUED)
        enqueue_grading(submission_id)
    return stuck
