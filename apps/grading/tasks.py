from celery import shared_task

from apps.grading import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=services.MAX_PLATFORM_RETRIES)
def grade_submission(self, submission_id: int) -> None:
    """Thin on purpose: the service is idempotent, so a redelivered message is harmless."""
    try:
        services.grade_submission_now(submission_id, final_try=self.request.retries >= self.max_retries)
    except services.PlatformFault as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 30)) from exc


@shared_task
def sweep_stuck_submissions() -> list[int]:
    return services.sweep_stuck_submissions()
