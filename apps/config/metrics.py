"""/metrics for Prometheus.

Two sources, one page:
- HTTP requests and latencies, counted by django-prometheus's middleware in each gunicorn
  worker (multiprocess mode: PROMETHEUS_MULTIPROC_DIR, set by scripts/serve.sh, lets one scrape
  see every worker);
- grading figures read from the site database at scrape time (queue, submit-to-verdict latency
  per lab, grading runs by outcome). They come from the rows every grading worker writes,
  so a worker on another host needs no exporter of its own and a restart loses nothing.

Reachable from this machine, or with `Authorization: Bearer $INDEXED_METRICS_TOKEN`.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

# Seconds from a learner's Submit to their verdict: the quick labs answer within the first
# buckets, the operational ones (PITR, clusters) in the last.
VERDICT_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
LOOPBACK = {"127.0.0.1", "::1"}


class GradingCollector(Collector):
    def collect(self) -> Iterator:
        from apps.grading.models import GradingRun, Submission  # apps are ready by the first scrape

        waiting = GaugeMetricFamily(
            "indexed_submissions_waiting", "Submissions not yet graded, by state.", labels=["state"]
        )
        counts = dict(
            Submission.objects.filter(status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING])
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        for state in (Submission.Status.QUEUED, Submission.Status.RUNNING):
            waiting.add_metric([state], counts.get(state, 0))
        yield waiting

        latency = ExpressionWrapper(F("finished_at") - F("created_at"), output_field=DurationField())
        buckets = {
            f"le_{index}": Count("pk", filter=Q(latency__lte=timedelta(seconds=bound)))
            for index, bound in enumerate(VERDICT_BUCKETS)
        }
        rows = (
            Submission.objects.filter(finished_at__isnull=False, kind=Submission.Kind.SUBMIT)
            .annotate(latency=latency)
            .values("lab__key")
            .annotate(total=Count("pk"), **buckets)
        )
        histogram = HistogramMetricFamily(
            "indexed_verdict_seconds", "Seconds from Submit to the verdict, per lab.", labels=["lab"]
        )
        for row in rows:
            histogram.add_metric(
                [row["lab__key"]],
                [(str(bound), row[f"le_{index}"]) for index, bound in enumerate(VERDICT_BUCKETS)]
                + [("+Inf", row["total"])],
                sum_value=None,
            )
        yield histogram

        runs = CounterMetricFamily(
            "indexed_grading_runs",
            "Grading runs (each starts the lab's sandboxes) by lab and outcome; 'fault' is a platform fault.",
            labels=["lab", "outcome"],
        )
        for lab, outcome, n in (
            GradingRun.objects.exclude(outcome=GradingRun.Outcome.RUNNING)
            .values_list("submission__lab__key", "outcome")
            .annotate(n=Count("pk"))
        ):
            runs.add_metric([lab, outcome], n)
        yield runs


def build_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every gunicorn worker's request counters
    else:
        registry.register(_ProcessMetrics())
    registry.register(GradingCollector())
    return registry


class _ProcessMetrics(Collector):
    """This process's default metrics when not in multiprocess mode (make run, tests)."""

    def collect(self) -> Iterator:
        yield from REGISTRY.collect()


def allowed(request: HttpRequest) -> bool:
    token = os.environ.get("INDEXED_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR") in LOOPBACK and "HTTP_X_FORWARDED_FOR" not in request.META


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(
            "Metrics are served to this machine, or with Authorization: Bearer <INDEXED_METRICS_TOKEN>.\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(build_registry()), content_type=CONTENT_TYPE_LATEST)
