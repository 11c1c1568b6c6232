"""What an operator needs on one page when learners say "grading is slow": the queue, the
workers that answer, and the latest platform faults with the lab and worker they happened on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Min
from django.utils import timezone

from apps.config.celery import app as celery_app
from apps.grading.models import GradingRun, Submission

RECENT_FAULTS = 20
WORKER_PING_SECONDS = 1.0


@dataclass(frozen=True)
class QueueState:
    queued: int
    running: int
    oldest_queued_seconds: float | None
    graded_last_hour: int
    faults_last_hour: int


def read_queue_state() -> QueueState:
    waiting = dict(
        Submission.objects.filter(status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING])
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    oldest = Submission.objects.filter(status=Submission.Status.QUEUED).aggregate(at=Min("created_at"))["at"]
    hour_ago = timezone.now() - timedelta(hours=1)
    outcomes = dict(
        GradingRun.objects.filter(finished_at__gte=hour_ago).values_list("outcome").annotate(n=Count("pk"))
    )
    return QueueState(
        queued=waiting.get(Submission.Status.QUEUED, 0),
        running=waiting.get(Submission.Status.RUNNING, 0),
        oldest_queued_seconds=(timezone.now() - oldest).total_seconds() if oldest else None,
        graded_last_hour=outcomes.get(GradingRun.Outcome.GRADED, 0),
        faults_last_hour=outcomes.get(GradingRun.Outcome.FAULT, 0),
    )


def list_workers() -> list[dict]:
    """Workers that answered a ping now, with what each was last seen doing in the database."""
    try:
        replies = celery_app.control.ping(timeout=WORKER_PING_SECONDS) or []
    except Exception:  # the broker is down: no worker can be reached, which the page says
        replies = []
    names = sorted(name for reply in replies for name in reply)
    last_runs = dict(
        GradingRun.objects.exclude(worker="").values_list("worker").annotate(at=Max("started_at"))
    )
    return [{"name": name, "last_run_at": _last_run_of(name, last_runs)} for name in names]


def _last_run_of(worker_name: str, last_runs: dict) -> object:
    # A GradingRun records host:pid; a Celery worker is named pool@host. Match on the host.
    host = worker_name.partition("@")[2]
    times = [at for key, at in last_runs.items() if key.partition(":")[0] == host]
    return max(times) if times else None


def list_recent_faults(limit: int = RECENT_FAULTS) -> list[GradingRun]:
    return list(
        GradingRun.objects.filter(outcome=GradingRun.Outcome.FAULT)
        .select_related("submission__lab")
        .order_by("-started_at")[:limit]
    )
