"""/healthz: what a load balancer or an operator asks first. 200 while the site can serve
pages and take submissions (its database and broker answer); 503 naming what is down. The
number of grading workers that answered a ping is reported but does not fail the check: pages
still work without workers, and submissions wait in the queue until one comes back."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.config.celery import app as celery_app

WORKER_PING_SECONDS = 0.5


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; its class says why without secrets
        return f"down ({type(exc).__name__})"
    return "ok"


def check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"down ({type(exc).__name__})"
    return "ok"


def count_workers() -> int:
    try:
        replies = celery_app.control.ping(timeout=WORKER_PING_SECONDS) or []
    except Exception:
        return 0
    return len(replies)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = {"database": check_database(), "broker": check_broker(), "workers": count_workers()}
    healthy = report["database"] == "ok" and report["broker"] == "ok"
    report["status"] = "ok" if healthy else "down"
    return JsonResponse(report, status=200 if healthy else 503)
