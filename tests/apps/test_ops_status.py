"""The operator's page: queue, workers and recent platform faults, for staff only."""

import shutil
import socket

import pytest

from apps.config.celery import app as celery_app
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from apps.grading.models import GradingRun, Submission
from tests.apps.factories import InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db


@pytest.fixture
def faulted(synced_course, monkeypatch):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{port}/0")  # no broker: no workers
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    lab = Lab.objects.get(key="site-orders-per-customer")
    learner = UserFactory()
    broken = Submission.objects.create(user=learner, lab=lab, answer="SELECT 1", status="queued")
    fault = {"message": "sandbox could not start: disk full"}
    GradingRun.objects.create(submission=broken, outcome="fault", worker="host-b:4242", result=fault)
    Submission.objects.create(user=learner, lab=lab, answer="SELECT 2", status="running")
    return broken


def test_staff_see_queue_workers_and_faults(client, faulted):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get("/staff/status/").content.decode()
    assert "Waiting for a worker</dt><dd>1" in page
    assert "Being graded</dt><dd>1" in page
    assert "No worker answered a ping" in page
    assert "sandbox could not start: disk full" in page and "host-b:4242" in page


@pytest.mark.parametrize("who", ["anonymous", "learner", "instructor"])
def test_the_status_page_is_for_staff_only(client, faulted, who):
    if who != "anonymous":
        client.force_login(InstructorFactory() if who == "instructor" else UserFactory())
    response = client.get("/staff/status/")
    assert response.status_code == 302 and "/login/" in response["Location"]
