"""Thin Celery tasks: the logic is in apps.lti.passback and apps.lti.roster."""

from celery import shared_task

from apps.lti import passback, roster

# 30 s, 1 min, 2 min ... about 8.5 hours in all: an LMS down for a maintenance night still
# gets the score; after that the row is "failed" and the instructor can send it again.
MAX_RETRIES = 10


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_passback_task(self, passback_id: int) -> None:
    final = self.request.retries >= self.max_retries
    try:
        passback.send_passback(passback_id, final=final)
    except passback.PassbackFailed as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task
def resend_lost_passbacks() -> int:
    return passback.resend_lost_passbacks()


@shared_task(ignore_result=True)
def sync_roster_task(context_id: int) -> None:
    roster.run_roster_sync(context_id)
