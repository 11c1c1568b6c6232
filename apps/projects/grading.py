"""Auto-grading a hand-in on a worker, with the labs' discipline (apps.grading.services):
a lease taken by one conditional UPDATE so two workers never grade one hand-in, every
attempt kept as a HandinRun, a platform fault (``gradable = false``) retried and never
written over a real verdict, and a sweeper for what a dead worker or a lost message left."""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from apps.grading.leases import lease_is_free, store_run_result, sweep_stuck, take_lease, worker_name
from apps.projects.models import Handin, HandinRun
from apps.projects.specs import load_project_spec, project_content_hash, project_time_limit

log = logging.getLogger(__name__)

MAX_PLATFORM_RETRIES = 3
SOFT_MARGIN = 30.0  # past the runtime's own limit: room to write the run's outcome
TEARDOWN = 30.0  # soft -> hard limit: time to stop sandboxes after SoftTimeLimitExceeded
LEASE_MARGIN = 15.0  # hard limit -> lease expiry


class PlatformFault(RuntimeError):
    """Grading failed through no fault of the learner; the task retries it."""


def time_limits(handin: Handin) -> dict[str, float]:
    """Celery's soft and hard limits for grading this hand-in, from the project's budget."""
    soft = project_time_limit(handin.project) + SOFT_MARGIN
    return {"soft_time_limit": soft, "time_limit": soft + TEARDOWN}


def lease_length(handin: Handin) -> timedelta:
    return timedelta(seconds=time_limits(handin)["time_limit"] + LEASE_MARGIN)


def platform_fault(message: str) -> dict:
    """A result in the runtime's shape that says the platform, not the learner, failed."""
    return {
        "gradable": False,
        "status": "platform_error",
        "message": message,
        "criteria": [],
        "auto_points": 0,
        "auto_possible": 0,
    }


def enqueue_handin(handin_id: int) -> None:
    """Hand a hand-in to the workers; ``queued_at`` only once the broker took it."""
    from apps.projects.tasks import grade_handin

    handin = Handin.objects.select_related("project").get(pk=handin_id)
    try:
        grade_handin.apply_async((handin_id,), **time_limits(handin))
    except Exception:  # a broker that is down must not lose the hand-in: the sweeper sends it
        log.exception("could not queue hand-in %s; the sweeper will", handin_id)
        return
    Handin.objects.filter(pk=handin_id).update(queued_at=timezone.now())


def claim_handin(handin_id: int) -> HandinRun | None:
    """Take the hand-in's lease and open a run; None when another run holds a live lease or
    the hand-in already has its verdict."""
    handin = Handin.objects.select_related("project").get(pk=handin_id)
    project_hash = project_content_hash(handin.project)
    now = timezone.now()
    claimable = Handin.objects.filter(
        lease_is_free(now), pk=handin_id, status__in=[Handin.Status.QUEUED, Handin.Status.RUNNING]
    )
    return take_lease(
        claimable,
        lambda: HandinRun.objects.create(
            handin=handin,
            worker=worker_name(),
            started_at=now,
            lease_expires_at=now + lease_length(handin),
            project_hash=project_hash,
        ),
        HandinRun.objects.filter(handin_id=handin_id),
        now,
        status=Handin.Status.RUNNING,
        started_at=now,
    )


def grade_files(handin: Handin) -> dict:
    """Write the hand-in's files to a fresh folder and grade them with the runtime."""
    from labs.projects import grade_project

    spec = load_project_spec(handin.project)
    if spec is None:
        return platform_fault("This project has no grading.toml, so nothing can grade it automatically.")
    with tempfile.TemporaryDirectory(prefix=f"handin-{handin.pk}-") as folder:
        root = Path(folder)
        for f in handin.files.all():
            target = root / f.path  # paths were checked safe when the hand-in was saved
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bytes(f.content))
        return grade_project(spec, root).to_dict()


def run_handin_grading(run: HandinRun) -> HandinRun:
    """Grade in this process and store the outcome on the run only."""
    from celery.exceptions import SoftTimeLimitExceeded

    handin = Handin.objects.select_related("project").get(pk=run.handin_id)
    try:
        result = grade_files(handin)
    except SoftTimeLimitExceeded:
        result = platform_fault(
            f"Grading ran past this project's time budget of {time_limits(handin)['soft_time_limit']:.0f} s "
            "and was stopped; this attempt does not count and is tried again."
        )
    except Exception as exc:  # the runtime itself broke: our fault, never the learner's
        log.exception("hand-in %s: the project grader failed", handin.pk)
        result = platform_fault(f"The project grader failed ({type(exc).__name__}); this attempt does not count.")
    outcome = HandinRun.Outcome.GRADED if result.get("gradable") else HandinRun.Outcome.FAULT
    return store_run_result(run, result, outcome)


def record_handin_result(run: HandinRun, *, final: bool = True) -> Handin:
    """The one writer of a hand-in's verdict. A graded run becomes it; a fault becomes
    "could not be graded" only on the final try (otherwise the hand-in waits, queued, for
    the retry). Only the lease holder writes; the lease is released."""
    with transaction.atomic():
        handin = Handin.objects.select_for_update().get(pk=run.handin_id)
        run = HandinRun.objects.get(pk=run.pk)
        if handin.lease_run_id != run.pk or run.outcome not in (HandinRun.Outcome.GRADED, HandinRun.Outcome.FAULT):
            log.info("run %s of hand-in %s writes nothing (its lease moved on)", run.pk, handin.pk)
            return handin
        changes: dict = {"lease_run": None, "leased_until": None}
        if run.outcome == HandinRun.Outcome.GRADED:
            changes.update(
                status=Handin.Status.DONE,
                result=run.result,
                finished_at=timezone.now(),
                auto_points=run.result.get("auto_points"),
                auto_possible=run.result.get("auto_possible"),
            )
        elif handin.status != Handin.Status.DONE:
            regraded = (handin.result or {}).get("gradable")  # a regrade keeps the verdict it replaces
            if final and regraded:
                changes.update(status=Handin.Status.DONE)
            elif final:
                changes.update(status=Handin.Status.FAILED, result=run.result, finished_at=timezone.now())
            else:
                changes.update(status=Handin.Status.QUEUED)
        Handin.objects.filter(pk=handin.pk).update(**changes)
    return Handin.objects.get(pk=handin.pk)


def grade_handin_now(handin_id: int, *, final_try: bool = True) -> Handin:
    """Grade one hand-in here. Safe to call twice and from two workers at once. Raises
    PlatformFault for a fault worth retrying (not on ``final_try``)."""
    run = claim_handin(handin_id)
    if run is None:
        return Handin.objects.get(pk=handin_id)
    run = run_handin_grading(run)
    retry = not final_try and run.outcome == HandinRun.Outcome.FAULT
    handin = record_handin_result(run, final=not retry)
    if retry:
        raise PlatformFault(run.result.get("message", "platform fault"))
    return handin


def sweep_stuck_handins(now=None, dispatch_grace: float = 60) -> list[int]:
    """Re-queue hand-ins whose worker died (lease expired) or that were never sent."""

    def requeue(handin_id: int) -> bool:
        # It always goes back to the queue; a regraded hand-in's earlier verdict stays in
        # ``result`` until a new run replaces it (record_handin_result).
        Handin.objects.filter(pk=handin_id).update(status=Handin.Status.QUEUED)
        return True

    return sweep_stuck(
        Handin, HandinRun, now or timezone.now(), dispatch_grace, on_release=requeue, enqueue=enqueue_handin
    )
