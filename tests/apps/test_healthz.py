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
