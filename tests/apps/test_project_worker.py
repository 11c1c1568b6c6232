"""Project hand-ins on a real Celery worker: graded over HTTP, a sandbox that cannot start
retried and never counted (the hand-in kept), a worker SIGKILLed mid-grade replaced once
its lease expires, with one verdict in the end."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.courses.models import Project
from apps.courses.services import sync_curriculum
from apps.projects.grading import sweep_stuck_handins
from apps.projects.handins import save_handin
from apps.projects.models import Handin, HandinRun
from tests.apps.factories import UserFactory
from tests.apps.test_project_rubric import KEY, REFERENCE, add_fixture_project, as_zip, reference_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def shop(lab_course):
    add_fixture_project(lab_course)
    sync_curriculum(lab_course)
    return Project.objects.get(key=KEY)


def wait_for(handin_id: int, condition, timeout: float = 60) -> Handin:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        handin = Handin.objects.get(pk=handin_id)
        if condition(handin):
            return handin
        time.sleep(0.1)
    raise AssertionError(f"hand-in {handin_id} stuck in {handin.status} (tries={handin.tries})")


def finished(handin: Handin) -> bool:
    return handin.is_finished


def test_a_handin_over_http_is_graded_by_the_real_worker_and_the_page_stops_polling(client, shop, start_worker):
    start_worker()
    learner = UserFactory()
    client.force_login(learner)
    client.post(f"/projects/{KEY}/handin/", {"files": [as_zip(reference_files())]})
    handin = wait_for(Handin.objects.get(learner=learner).pk, finished)
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10 and handin.tries == 1
    partial = client.get(f"/projects/{KEY}/handins/1/", HTTP_HX_REQUEST="true").content.decode()
    assert "10 / 10" in partial and "hx-get" not in partial


def test_a_sandbox_that_cannot_start_is_retried_never_counts_and_the_handin_is_kept(shop, start_worker):
    start_worker(INDEXED_SANDBOX_ROOT="/proc/indexed-cannot-create-this")
    handin = save_handin(UserFactory(), shop, reference_files(), source="upload")
    from apps.projects.grading import enqueue_handin

    enqueue_handin(handin.pk)  # what the commit hook does in a request
    handin = wait_for(handin.pk, finished, timeout=90)
    assert handin.status == Handin.Status.FAILED and handin.auto_points is None and handin.tries == 4
    assert handin.result["gradable"] is False
    assert handin.files.count() == len(reference_files())


def test_a_worker_killed_mid_grade_is_replaced_and_one_verdict_is_written(shop, start_worker):
    first = start_worker()
    slow = b"SELECT pg_sleep(4);\n" + (REFERENCE / "schema.sql").read_bytes()
    handin = save_handin(UserFactory(), shop, reference_files({"schema.sql": slow}), source="upload")
    from apps.projects.grading import enqueue_handin

    enqueue_handin(handin.pk)
    wait_for(handin.pk, lambda h: h.status == Handin.Status.RUNNING)
    first.kill()  # SIGKILL mid-grade
    start_worker()
    assert sweep_stuck_handins() == []  # its lease is still valid
    assert sweep_stuck_handins(now=timezone.now() + timedelta(minutes=30)) == [handin.pk]
    handin = wait_for(handin.pk, finished)
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10 and handin.tries == 2
    killed, second = HandinRun.objects.filter(handin=handin)
    assert killed.outcome == HandinRun.Outcome.LOST and killed.result is None
    assert second.outcome == HandinRun.Outcome.GRADED and second.worker != killed.worker
