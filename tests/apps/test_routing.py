"""In the production profile a heavy lab's grade never waits behind, nor holds up, a quick one:
grading tasks are routed to the queue of their lab's kind."""

import shutil

import pytest

from apps.config.routing import HEAVY, QUICK, route_task
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from apps.grading.models import Submission
from tests.apps.factories import UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db


@pytest.fixture
def submissions(synced_course):
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    quick_lab = Lab.objects.get(key="site-orders-per-customer")
    heavy_lab = Lab.objects.get(key="site-orders-per-customer")
    heavy_lab.pk, heavy_lab.key, heavy_lab.topology = None, "site-standby-copy", "standby"
    heavy_lab.save()
    learner = UserFactory()
    quick = Submission.objects.create(user=learner, lab=quick_lab, answer="SELECT 1")
    heavy = Submission.objects.create(user=learner, lab=heavy_lab, answer="SELECT 1")
    return quick, heavy


def test_grades_and_regrades_go_to_their_labs_queue(submissions):
    quick, heavy = submissions
    assert route_task("apps.grading.tasks.grade_submission", (quick.pk,), {}, {}) == {"queue": QUICK}
    assert route_task("apps.grading.tasks.grade_submission", (heavy.pk,), {}, {}) == {"queue": HEAVY}
    assert route_task("apps.grading.tasks.regrade_submission", (heavy.pk, "2026-12-06T10:00:00"), {}, {}) == {
        "queue": HEAVY
    }
    assert route_task("apps.dashboard.tasks.regrade_for_job", (7, heavy.pk), {}, {}) == {"queue": HEAVY}


def test_sweepers_and_vanished_submissions_use_the_quick_queue(submissions):
    assert route_task("apps.grading.tasks.sweep_stuck_submissions", (), {}, {}) == {"queue": QUICK}
    assert route_task("apps.grading.tasks.grade_submission", (10**9,), {}, {}) == {"queue": QUICK}
