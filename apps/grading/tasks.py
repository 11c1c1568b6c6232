from datetime import datetime

from celery import shared_task

from apps.grading import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=services.MAX_PLATFORM_RETRIES)
def grade_submission(self, submission_id: int) -> None:
    """Thin on purpose: the service is idempotent, so a redelivered message is harmless.
    Time limits come with each message, from the lab's budget (see enqueue_grading)."""
    try:
        services.grade_submission_now(submission_id, final_try=self.request.retries >= self.max_retries)
    except services.PlatformFault as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 30)) from exc


# Waiting for another run's lease (bounded by its expiry) is not a fault, so faults are
# counted apart from Celery's retries; max_retries is only a backstop.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=100)
def regrade_submission(self, submission_id: int, requested_at: str, faults: int = 0) -> None:
    try:
        services.regrade_submission_now(
            submission_id,
            final_try=faults >= services.MAX_PLATFORM_RETRIES,
            requested_at=datetime.fromisoformat(requested_at),
        )
    except services.LeaseBusy as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    except services.PlatformFault as exc:
        retry_kwargs = {"faults": faults + 1}
        raise self.retry(exc=exc, kwargs=retry_kwargs, countdown=min(2**faults, 30)) from exc


@shared_task
def sweep_stuck_submissions() -> list[int]:
    return services.sweep_stuck_submissions()
