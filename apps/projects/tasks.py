from celery import shared_task

from apps.projects import grading


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=grading.MAX_PLATFORM_RETRIES)
def grade_handin(self, handin_id: int) -> None:
    """Thin on purpose: the service is idempotent, so a redelivered message is harmless."""
    try:
        grading.grade_handin_now(handin_id, final_try=self.request.retries >= self.max_retries)
    except grading.PlatformFault as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 30)) from exc


@shared_task
def sweep_stuck_handins() -> list[int]:
    return grading.sweep_stuck_handins()
