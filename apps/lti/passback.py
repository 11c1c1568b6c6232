"""Assignment and Grade Services: a learner's score on a placed lab, exercise or project goes
to the LMS gradebook column (line item) of every placement of it in their LMS courses.

``queue_*`` functions record what should be sent (a ``Passback`` row, pending) and hand its
id to a Celery task after commit; ``send_passback`` does one attempt and records the outcome.
The task retries with backoff; the instructor's passback page shows pending/sent/failed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from apps.lti.models import LtiIdentity, Passback, ResourceLink
from apps.lti.toolconf import http_session, registration_for

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
PROJECT_POINTS = 100


class PassbackFailed(Exception):
    """One attempt did not reach the LMS (or the LMS refused it); worth another try."""


def best_lab_score(user_id: int, lab_id: int) -> float | None:
    """The score the gradebook counts for a lab: the learner's best graded submission,
    with an instructor's override over the grader's score."""
    from apps.grading.models import Submission, effective_score

    return (
        Submission.objects.filter(user_id=user_id, lab_id=lab_id, kind=Submission.Kind.SUBMIT, status="done")
        .annotate(effective=effective_score())
        .aggregate(best=Max("effective"))["best"]
    )


def _links_for(user_id: int, **target) -> list[ResourceLink]:
    """Placements of the target in LMS courses the learner came from, that have a column."""
    issuers = list(LtiIdentity.objects.filter(user_id=user_id).values_list("issuer", flat=True))
    if not issuers:  # most learners: one query and done
        return []
    return list(
        ResourceLink.objects.filter(
            context__platform__issuer__in=issuers,
            context__cohort__learners__pk=user_id,
            **target,
        )
        .exclude(lineitem_url="")
        .distinct()
    )


def queue_passback(link: ResourceLink, user_id: int, score: float) -> Passback:
    """Record the score to send and send it after commit. A new score replaces an unsent one."""
    from apps.lti.tasks import send_passback_task

    passback, _ = Passback.objects.update_or_create(
        link=link, user_id=user_id, defaults={"score": score, "status": Passback.Status.PENDING, "attempts": 0}
    )
    transaction.on_commit(lambda: send_passback_task.delay(passback.pk), robust=True)
    return passback


def queue_lab_passbacks(user_id: int, lab_id: int) -> list[Passback]:
    links = _links_for(user_id, lab_id=lab_id)
    if not links:
        return []
    score = best_lab_score(user_id, lab_id)
    if score is None:
        return []
    return [queue_passback(link, user_id, score) for link in links]


def queue_project_passbacks(user_id: int, project_id: int, score: float) -> list[Passback]:
    return [queue_passback(link, user_id, score) for link in _links_for(user_id, project_id=project_id)]


def _score_maximum(link: ResourceLink) -> float:
    return float(link.lab.points) if link.lab_id else float(PROJECT_POINTS)


def _post_score(passback: Passback) -> None:
    link = passback.link
    context = link.context
    identity = LtiIdentity.objects.filter(user_id=passback.user_id, issuer=context.platform.issuer).first()
    if identity is None:
        raise PassbackFailed("This learner has no account on the LMS any more (no LTI identity).")
    maximum = _score_maximum(link)
    grade = (
        Grade()
        .set_score_given(round(passback.score * maximum, 4))
        .set_score_maximum(maximum)
        .set_timestamp(datetime.now(UTC).isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(identity.sub)
    )
    connector = ServiceConnector(registration_for(context.platform), http_session())
    scopes = context.ags_scopes or [SCORE_SCOPE]
    service = AssignmentsGradesService(connector, {"scope": scopes, "lineitem": link.lineitem_url})
    try:
        service.put_grade(grade)
    except LtiServiceException as exc:
        raise PassbackFailed(f"The LMS answered {exc.response.status_code}: {exc.response.text[:300]}") from exc
    except (LtiException, OSError, ValueError) as exc:  # requests: OSError; a non-JSON answer: ValueError
        raise PassbackFailed(f"Could not reach the LMS: {exc}") from exc


def send_passback(passback_id: int, *, final: bool = True) -> Passback:
    """One attempt to send a passback's score. On failure the row keeps the error and stays
    pending, or becomes failed on the ``final`` attempt; raises PassbackFailed unless final.
    A passback already sent, or replaced by a newer score meanwhile, is left as it is."""
    passback = Passback.objects.select_related("link__context__platform", "link__lab").get(pk=passback_id)
    if passback.status == Passback.Status.SENT:
        return passback
    score = passback.score
    try:
        _post_score(passback)
    except PassbackFailed as exc:
        log.warning("passback %s to %s failed: %s", passback.pk, passback.link.lineitem_url, exc)
        status = Passback.Status.FAILED if final else Passback.Status.PENDING
        Passback.objects.filter(pk=passback.pk, score=score).exclude(status=Passback.Status.SENT).update(
            status=status, last_error=str(exc), attempts=passback.attempts + 1, updated_at=timezone.now()
        )
        if not final:
            raise
    else:
        Passback.objects.filter(pk=passback.pk, score=score).update(
            status=Passback.Status.SENT, last_error="", attempts=passback.attempts + 1, sent_at=timezone.now()
        )
    return Passback.objects.get(pk=passback.pk)


def retry_passbacks(cohort_id: int) -> int:
    """Send again every passback of the cohort the LMS has not accepted yet."""
    from apps.lti.tasks import send_passback_task

    ids = list(
        Passback.objects.filter(link__context__cohort_id=cohort_id)
        .exclude(status=Passback.Status.SENT)
        .values_list("pk", flat=True)
    )
    Passback.objects.filter(pk__in=ids).update(status=Passback.Status.PENDING)
    for pk in ids:
        transaction.on_commit(lambda pk=pk: send_passback_task.delay(pk), robust=True)
    return len(ids)


# A first attempt runs as soon as the row is queued, so a pending row never tried after this
# long lost its broker message; a row part-way through its retries waits at most ~4.3 h between
# two tries (30 s doubling, see tasks.MAX_RETRIES), so one untouched for longer lost its retry.
NEVER_TRIED_AFTER = timedelta(minutes=10)
RETRY_LOST_AFTER = timedelta(hours=5)


def resend_lost_passbacks() -> int:
    """Queue again every pending passback whose Celery message was lost (a broker restarted
    without persistence, a worker killed between tries). Run by beat; sending twice is
    harmless: the LMS keeps the latest score of a line item."""
    from apps.lti.tasks import send_passback_task

    now = timezone.now()
    pending = Passback.objects.filter(status=Passback.Status.PENDING)
    lost = pending.filter(attempts=0, updated_at__lt=now - NEVER_TRIED_AFTER) | pending.filter(
        updated_at__lt=now - RETRY_LOST_AFTER
    )
    ids = list(lost.values_list("pk", flat=True))
    Passback.objects.filter(pk__in=ids).update(updated_at=now)  # not picked again by the next sweep
    for pk in ids:
        transaction.on_commit(lambda pk=pk: send_passback_task.delay(pk), robust=True)
    return len(ids)
