from celery import shared_task

from apps.dashboard import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def regrade_for_job(job_id: int, submission_id: int) -> None:
    """Thin: the service is idempotent, so a redelivered message changes nothing."""
    services.regrade_one_for_job(job_id, submission_id)


@shared_task
def sweep_stuck_regrades() -> list[int]:
    return services.sweep_stuck_regrades()
