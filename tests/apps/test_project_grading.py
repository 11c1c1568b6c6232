"""The hand-in grading lease, as for lab submissions: one grader at a time, a redelivered
message changes nothing, a worker that died is replaced once its lease expires; and the
real course's briefs all give their project pages milestones."""

import io
import re
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from apps.courses.models import Project
from apps.courses.services import sync_curriculum
from apps.projects import grading
from apps.projects.handins import save_handin
from apps.projects.models import Handin, HandinRun
from apps.projects.services import list_milestones
from apps.projects.specs import list_criteria
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


def add_real_project(root: Path, key: str) -> Path:
    """Copy a project of the real course (brief, grading.toml, platform files) into a test
    course from tests.course_builder, moved to its week 2 with an outcome it knows."""
    source = REAL_COURSE / "projects" / key
    target = root / "projects" / key
    shutil.copytree(source, target)
    brief = target / "project.md"
    text = re.sub(r"\nweek = \d+\n", "\nweek = 2\n", brief.read_text(), count=1)
    brief.write_text(re.sub(r"\noutcomes = \[.*?\]\n", '\noutcomes = ["design-schemas"]\n', text, count=1))
    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace('projects = ["proj-one"', f'projects = ["{key}", "proj-one"', 1))
    return source


@pytest.fixture
def relational_design(synced_course):
    source = add_real_project(synced_course, "relational-design")
    sync_curriculum(synced_course)
    return Project.objects.get(key="relational-design"), source / "reference"


def zip_folder(folder: Path, drop: str = "") -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name != drop:
                archive.writestr(f"handin/{name}", path.read_bytes())
    return SimpleUploadedFile("handin.zip", out.getvalue())


def test_the_real_relational_design_reference_is_accepted_and_a_missing_query_refused(client, relational_design):
    project, reference = relational_design
    client.force_login(UserFactory())
    refused = client.post(
        f"/projects/{project.key}/handin/", {"files": [zip_folder(reference, "queries/q3.sql")]}, follow=True
    ).content.decode()
    assert "Missing queries/q3.sql" in refused and not Handin.objects.exists()
    page = client.post(f"/projects/{project.key}/handin/", {"files": [zip_folder(reference)]}, follow=True)
    handin = Handin.objects.get()
    assert f"Handed in version 1 ({handin.files.count()} files)" in page.content.decode()
    assert handin.files.filter(path__startswith="rules/").count() >= 24 and handin.files.filter(path="schema.sql")
    project_page = client.get(f"/projects/{project.key}/").content.decode()
    # Every row of the brief's table is open until graded: auto rows wait for the worker (not
    # run in this test), instructor rows for the instructor.
    for criterion in list_criteria(project):
        waiting = "not graded yet" if criterion.is_auto else "judged by your instructor"
        assert escape(f"{criterion.title}: {waiting} ({criterion.points:g} points).") in project_page
    assert "<strong>Understand the mess</strong>" in project_page


def test_project_grading_goes_to_the_heavy_queue_and_its_sweeper_runs_in_beat(settings):
    from apps.config.routing import HEAVY, QUICK, route_task

    assert route_task("apps.projects.tasks.grade_handin", (1,), {}, {}) == {"queue": HEAVY}
    assert route_task("apps.projects.tasks.sweep_stuck_handins", (), {}, {}) == {"queue": QUICK}
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.projects.tasks.sweep_stuck_handins" in tasks
