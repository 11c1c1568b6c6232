"""Regrade requests: a learner asks about a verdict, the cohort's instructor answers,
regrades or overrides, and both read the same thread. Regrading and overriding go through
the existing paths (``dashboard.services.start_regrade`` and ``review_submission``), so a
request never writes a verdict itself."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.grading.models import RegradeMessage, RegradeRequest, Submission

MAX_MESSAGE_CHARS = 5000
LIVE = [RegradeRequest.Status.OPEN, RegradeRequest.Status.ANSWERED]


class RequestInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _clean_body(body: str, *, required: bool = True) -> str:
    body = (body or "").strip()
    if required and not body:
        raise RequestInvalid(["Write a message: say what you think the verdict got wrong."])
    if len(body) > MAX_MESSAGE_CHARS:
        raise RequestInvalid([f"The message is {len(body):,} characters long; the limit is {MAX_MESSAGE_CHARS:,}."])
    return body


# --------------------------------------------------------------------------- reading


def open_regrade_requests(cohort: Cohort) -> dict[tuple[int, int], RegradeRequest]:
    """The cohort's unresolved requests (waiting for the instructor, or answered and not yet
    closed), keyed by ``(learner_id, lab_id)``; the newest wins when a learner has several on
    one lab. One query; ``request.submission`` and ``request.status`` are loaded."""
    rows = (
        RegradeRequest.objects.filter(cohort=cohort, status__in=LIVE)
        .select_related("submission")
        .order_by("updated_at", "pk")
    )
    return {(r.learner_id, r.submission.lab_id): r for r in rows}


def access_request_as_learner(user, request_id: int) -> RegradeRequest:
    """The learner's own request; 404 for anybody else's (never reveal another's thread)."""
    found = RegradeRequest.objects.select_related("submission__lab", "cohort").filter(pk=request_id).first()
    if found is None or not user.is_authenticated or found.learner_id != user.pk:
        raise Http404("No such request")
    return found


def access_request_as_instructor(user, cohort: Cohort, request_id: int) -> RegradeRequest:
    """A request addressed to ``cohort`` (whose instructor the view already checked)."""
    found = (
        RegradeRequest.objects.select_related("submission__lab", "learner", "cohort")
        .filter(pk=request_id, cohort=cohort)
        .first()
    )
    if found is None:
        raise Http404("No such request in this cohort")
    return found


def live_request_for(submission: Submission) -> RegradeRequest | None:
    return RegradeRequest.objects.filter(submission=submission, status__in=LIVE).first()


def list_thread(request: RegradeRequest) -> list[RegradeMessage]:
    return list(request.messages.select_related("author"))


# --------------------------------------------------------------------------- the learner


def _cohort_for(learner) -> Cohort:
    # A learner in several cohorts asks the first they joined; its instructor may answer,
    # regrade and (when they teach all of the learner's cohorts) override.
    cohort = learner.cohorts.order_by("membership__pk").first()
    if cohort is None:
        raise RequestInvalid(["You are not in a cohort, so there is no instructor to ask."])
    return cohort


def ask_about_verdict(submission: Submission, learner, body: str) -> RegradeRequest:
    """Open a request about ``submission`` with the learner's first message, or add the
    message to the live request already open on it (and make it the instructor's turn)."""
    if submission.user_id != learner.pk:
        raise PermissionDenied("Only the learner who submitted an answer may ask about its verdict.")
    if submission.kind != Submission.Kind.SUBMIT or not submission.is_finished:
        raise RequestInvalid(["Only a graded attempt's verdict can be asked about; wait for the verdict."])
    body = _clean_body(body)
    with transaction.atomic():
        existing = live_request_for(submission)
        if existing is not None:
            return reply_as_learner(existing, learner, body)
        try:
            with transaction.atomic():
                request = RegradeRequest.objects.create(
                    submission=submission, learner=learner, cohort=_cohort_for(learner)
                )
        except IntegrityError:  # a double click: the twin request created it first
            return reply_as_learner(live_request_for(submission), learner, body)
        RegradeMessage.objects.create(request=request, author=learner, body=body)
    return request


def reply_as_learner(request: RegradeRequest, learner, body: str) -> RegradeRequest:
    if request.learner_id != learner.pk:
        raise PermissionDenied("Only the learner who asked may add to this request.")
    if request.is_closed:
        raise RequestInvalid(["This request is closed. Ask again from your attempt's page to start a new one."])
    body = _clean_body(body)
    with transaction.atomic():
        last = request.messages.order_by("-pk").first()
        if last is None or last.author_id != learner.pk or last.body != body:  # a resent form adds nothing
            RegradeMessage.objects.create(request=request, author=learner, body=body)
        request.status = RegradeRequest.Status.OPEN
        request.save(update_fields=["status", "updated_at"])
    return request


# --------------------------------------------------------------------------- the instructor


def _require_instructor(request: RegradeRequest, instructor) -> None:
    if not request.cohort.is_taught_by(instructor):
        raise PermissionDenied("Only the instructor of the learner's cohort may act on this request.")
    if request.is_closed:
        raise RequestInvalid(["This request is already closed."])


def _say(request: RegradeRequest, author, body: str) -> None:
    if body:
        RegradeMessage.objects.create(request=request, author=author, body=body)


def answer_request(request: RegradeRequest, instructor, body: str) -> RegradeRequest:
    """Reply without changing the score; the learner may write back."""
    _require_instructor(request, instructor)
    body = _clean_body(body)
    with transaction.atomic():
        _say(request, instructor, body)
        request.status = RegradeRequest.Status.ANSWERED
        request.resolution = RegradeRequest.Resolution.ANSWERED
        request.save(update_fields=["status", "resolution", "updated_at"])
    return request


def _close(request: RegradeRequest, resolution: str | None = None) -> None:
    request.status = RegradeRequest.Status.CLOSED
    request.closed_at = timezone.now()
    fields = ["status", "closed_at", "updated_at"]
    if resolution is not None:
        request.resolution = resolution
        fields.append("resolution")
    request.save(update_fields=fields)


def regrade_from_request(request: RegradeRequest, instructor, body: str = ""):
    """Grade the attempt again through the instructor's regrade (a new grading run; the
    verdict changes only if the run is gradable), say so in the thread and close the request
    as regraded. Returns the regrade job, whose page shows the score before and after."""
    from apps.dashboard.services import start_regrade

    _require_instructor(request, instructor)
    body = _clean_body(body, required=False) or (
        "I regraded this attempt. The new verdict replaces the old one on your attempt's page once it is ready."
    )
    with transaction.atomic():
        job = start_regrade(request.cohort, request.submission.lab, instructor, submission=request.submission)
        _say(request, instructor, body)
        request.regrade_job = job
        request.save(update_fields=["regrade_job", "updated_at"])
        _close(request, RegradeRequest.Resolution.REGRADED)
    return job


def override_from_request(request: RegradeRequest, instructor, body: str, score_percent) -> RegradeRequest:
    """Set the attempt's score by hand through the reviewed override path (the message is the
    review's reason, so the learner reads it in both places) and close the request."""
    from apps.dashboard.services import ReviewInvalid, review_submission

    _require_instructor(request, instructor)
    body = _clean_body(body)
    with transaction.atomic():
        try:
            review_submission(
                request.submission,
                instructor,
                body,
                cohort=request.cohort,
                score_action="set",
                score_percent=score_percent,
            )
        except ReviewInvalid as exc:
            raise RequestInvalid(exc.problems) from None
        _say(request, instructor, body)
        _close(request, RegradeRequest.Resolution.OVERRIDDEN)
    return request


def close_request(request: RegradeRequest, instructor, body: str = "") -> RegradeRequest:
    """Close the request, with an optional last word; its resolution stays what it was."""
    _require_instructor(request, instructor)
    body = _clean_body(body, required=False)
    with transaction.atomic():
        _say(request, instructor, body)
        _close(request, RegradeRequest.Resolution.ANSWERED if body and not request.resolution else None)
    return request
