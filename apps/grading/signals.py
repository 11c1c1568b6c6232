from celery.signals import worker_init, worker_process_init, worker_process_shutdown, worker_ready
from django.dispatch import Signal

# Sent after commit each time record_verdict wrote a submission's verdict (submission_id=...),
# so what follows a grade (the LMS gradebook, apps.lti) needs no call in the grading code.
verdict_recorded = Signal()


@worker_init.connect
def refuse_to_grade_uncontained(**_kwargs) -> None:
    """A worker that cannot put sandboxes in their own namespace and cgroup would run
    learner answers next to the site's secrets: stop before taking any task.

    SystemExit, not an exception: Celery logs and swallows exceptions raised by signal
    handlers, and this must end the worker."""
    from labs.sandbox.box import BoxUnavailable, require_boxes

    try:
        require_boxes()
    except BoxUnavailable as exc:
        import logging

        logging.getLogger(__name__).critical("%s", exc)
        raise SystemExit(f"indexed worker: {exc}") from None


@worker_ready.connect
@worker_process_init.connect
def reap_sandboxes_left_by_dead_workers(**_kwargs) -> None:
    """A worker that was SIGKILLed cannot clean up after itself; the next one does. Also each
    new pool process: Celery replaces a child it killed at a hard time limit, mid-grade."""
    from labs.sandbox.base import reap_orphans

    reap_orphans()


@worker_process_init.connect
def warm_postgres_pool(**_kwargs) -> None:
    """Start a warm Postgres instance per pool process now, so the first learner's attempt
    does not pay for a server start."""
    from labs.sandbox.postgres import POOL

    try:
        POOL.warm(1)
    except Exception:  # a worker without Postgres still grades Redis and Mongo labs
        import logging

        logging.getLogger(__name__).exception("could not warm the Postgres pool")


@worker_process_shutdown.connect
def stop_warm_sandboxes(**_kwargs) -> None:
    """Pool processes leave through os._exit, which skips atexit: stop warm servers here."""
    from labs.sandbox import postgres

    postgres.shutdown()
