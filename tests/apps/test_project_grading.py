"""The hand-in grading lease, as for lab submissions: one grader at a time, a redelivered
message changes nothing, a worker that died is replaced once its lease expires; and the
real course's briefs all give their project pages milestones."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from apps.courses.models import Project
from apps.courses.services import sync_curriculum
from apps.projects import grading
from apps.projects.handins import save_handin
from apps.projects.models import Handin, HandinRun
from apps.projects.services import list_milestones
from tests.apps.factories import UserFactory
from tests.apps.test_project_rubric import KEY, add_fixture_project, reference_files

pytestmark = pytest.mark.django_db

REAL_COURSE = Path(django_settings.BASE_DIR) / "curriculum"


@pytest.fixture
def shop(synced_course):
    add_fixture_project(synced_course)
    sync_curriculum(synced_course)
    return Project.objects.get(key=KEY)


def queued_handin(shop) -> Handin:
    """Saved but not yet graded (the commit hook that queues it is not run here)."""
    return save_handin(UserFactory(), shop, reference_files(), source="upload")


def test_two_workers_cannot_both_grade_one_handin_and_a_redelivered_message_changes_nothing(shop):
    handin = queued_handin(shop)
    first = grading.claim_handin(handin.pk)
    assert first is not None and grading.claim_handin(handin.pk) is None  # the lease is held
    grading.record_handin_result(grading.run_handin_grading(first))
    handin.refresh_from_db()
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10 and handin.lease_run is None
    grading.grade_handin_now(handin.pk)  # the same message delivered again
    assert HandinRun.objects.filter(handin=handin).count() == 1


def test_a_handin_whose_worker_died_is_graded_again_once_its_lease_expires(shop, django_capture_on_commit_callbacks):
    handin = queued_handin(shop)
    dead = grading.claim_handin(handin.pk)  # a worker took it, then was killed
    assert grading.sweep_stuck_handins() == []  # its lease is still running: left alone
    later = timezone.now() + grading.lease_length(handin) + timedelta(seconds=1)
    assert grading.sweep_stuck_handins(now=later) == [handin.pk]  # eager Celery grades it at once
    handin.refresh_from_db()
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10
    dead.refresh_from_db()
    assert dead.outcome == HandinRun.Outcome.LOST
    grading.record_handin_result(dead)  # the dead run's late write is ignored
    assert Handin.objects.get(pk=handin.pk).result["criteria"][0]["points_awarded"] == 10


def test_every_brief_of_the_real_course_gives_its_page_milestones_with_hours():
    briefs = sorted((REAL_COURSE / "projects").glob("*/project.md"))
    assert len(briefs) == 6
    for path in briefs:
        _, front, body = path.read_text().split("+++", 2)
        hours = int(next(line for line in front.splitlines() if line.startswith("hours")).split("=")[1])
        milestones = list_milestones(Project(key=path.parent.name, body=body))
        assert len(milestones) >= 3, path
        assert all(m.title and m.hours for m in milestones), (path, milestones)
        assert sum(m.hours for m in milestones) <= hours, path
