"""/healthz names what is down: a load balancer takes the site out of rotation on 503, and an
operator reads which part failed without opening a log."""

import socket
import time

import pytest

from apps.config.celery import app as celery_app


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_broker_when_the_broker_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["database"] == "ok"
    assert report["broker"].startswith("down")
    assert report["workers"] == 0
    assert time.monotonic() - started < 15  # a probe must answer, not hang on a dead broker
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def graded_lab(synced_course):
    import shutil
    from datetime import timedelta

    from apps.courses.models import Lab
    from apps.courses.services import sync_curriculum
    from apps.grading.models import GradingRun, Submission
    from tests.apps.factories import UserFactory
    from tests.conftest import FIXTURE_LABS

    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    lab = Lab.objects.get(key="site-orders-per-customer")
    learner = UserFactory()
    for seconds, outcome in ((0.8, "graded"), (3.0, "graded"), (45.0, "fault")):
        submission = Submission.objects.create(user=learner, lab=lab, answer="SELECT 1", status="done", score=1.0)
        finished = submission.created_at + timedelta(seconds=seconds)
        Submission.objects.filter(pk=submission.pk).update(finished_at=finished)
        GradingRun.objects.create(submission=submission, outcome=outcome)
    Submission.objects.create(user=learner, lab=lab, answer="SELECT 2", status="queued")
    return lab


@pytest.mark.django_db
def test_metrics_show_queue_verdict_latency_and_faults_per_lab(client, graded_lab):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    lab = 'lab="site-orders-per-customer"'
    assert 'indexed_submissions_waiting{state="queued"} 1.0' in text
    assert f'indexed_verdict_seconds_bucket{{{lab},le="1"}} 1.0' in text
    assert f'indexed_verdict_seconds_bucket{{{lab},le="5"}} 2.0' in text
    assert f'indexed_verdict_seconds_bucket{{{lab},le="+Inf"}} 3.0' in text
    assert f'indexed_grading_runs_total{{{lab},outcome="fault"}} 1.0' in text
    assert f'indexed_grading_runs_total{{{lab},outcome="graded"}} 2.0' in text


@pytest.mark.django_db
def test_metrics_are_refused_to_other_machines_without_the_token(client, monkeypatch):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    monkeypatch.setenv("INDEXED_METRICS_TOKEN", "s3cret-token")
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    allowed = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert allowed.status_code == 200
