from celery import shared_task

from apps.dashboard import services
from apps.grading.services import MAX_PLATFORM_RETRIES, LeaseBusy, PlatformFault


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=100)
def regrade_for_job(self, job_id: int, submission_id: int, faults: int = 0) -> None:
    """Thin: the service is idempotent, so a redelivered message changes nothing. Faults are
    counted apart from waits for another run's lease (see grading.tasks.regrade_submission)."""
    try:
        services.regrade_one_for_job(job_id, submission_id, final_try=faults >= MAX_PLATFORM_RETRIES)
    except LeaseBusy as exc:
        raise self.retry(exc=exc, countdown=5) from exc
    except PlatformFault as exc:
        raise self.retry(exc=exc, kwargs={"faults": faults + 1}, countdown=min(2**faults, 30)) from exc


@shared_task
def sweep_stuck_regrades() -> list[int]:
    return services.sweep_stuck_regrades()
