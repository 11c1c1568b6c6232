"""Project hand-ins and content versions: a grading run records the version of the project
it graded against, the learner and the instructor see it, the project's versions page lists
the hand-ins graded against another version with the diff, and a regrade of just those
(graded for real, on the fixture project tests/fixtures/course/projects/mini-shop) moves
them to the current version while keeping their earlier runs."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from apps.accounts.models import Membership
from apps.courses.models import Project
from apps.courses.services import sync_curriculum
from apps.courses.versions import collect_project_files
from apps.projects import grading
from apps.projects.handins import save_handin
from apps.projects.models import Handin, HandinRun
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory
from tests.apps.test_project_rubric import KEY, add_fixture_project, reference_files

pytestmark = pytest.mark.django_db

OLD_TITLE = "Schema loads; rule probes behave"
NEW_TITLE = "The schema loads and every rule probe behaves"


@pytest.fixture
def shop(synced_course):
    add_fixture_project(synced_course)
    sync_curriculum(synced_course)
    return Project.objects.get(key=KEY)


@pytest.fixture
def people():
    teacher = InstructorFactory(username="teacher")
    cohort = CohortFactory(instructor=teacher, name="Spring")
    ada = UserFactory(username="ada")
    Membership.objects.create(cohort=cohort, user=ada)
    return cohort, teacher, ada


def graded_handin(learner, project) -> Handin:
    """A hand-in graded here, on a real PostgreSQL, as a worker would."""
    handin = save_handin(learner, project, reference_files(), source="upload")
    grading.grade_handin_now(handin.pk)
    handin.refresh_from_db()
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10
    return handin


def change_grading_files() -> Path:
    """An author renames the auto criterion in grading.toml, then syncs the course again."""
    root = Path(django_settings.CURRICULUM_DIR)
    toml = root / "projects" / KEY / "grading.toml"
    toml.write_text(toml.read_text().replace(OLD_TITLE, NEW_TITLE))
    sync_curriculum(root)
    return toml


def versions_page(cohort) -> str:
    return f"/teach/cohorts/{cohort.pk}/projects/{KEY}/versions/"


def test_a_claimed_run_records_the_projects_current_hash_and_both_pages_name_it(client, shop, people):
    cohort, teacher, ada = people
    handin = save_handin(ada, shop, reference_files(), source="upload")
    run = grading.claim_handin(handin.pk)
    folder = Path(django_settings.CURRICULUM_DIR) / "projects" / KEY
    assert run.project_hash and run.project_hash == shop.content_hash == collect_project_files(folder)[0]
    grading.record_handin_result(grading.run_handin_grading(run))
    line = f"Graded against version <code>{shop.content_hash[:8]}</code>"
    client.force_login(ada)
    assert line in client.get(f"/projects/{KEY}/handins/1/").content.decode()
    client.force_login(teacher)
    rubric = client.get(f"/teach/cohorts/{cohort.pk}/learners/{ada.pk}/projects/{KEY}/rubric/").content.decode()
    assert line in rubric


def test_a_changed_project_lists_the_handin_as_affected_and_a_regrade_moves_it_to_the_new_version(
    client, shop, people, django_capture_on_commit_callbacks
):
    cohort, teacher, ada = people
    handin = graded_handin(ada, shop)
    old_hash = shop.content_hash
    client.force_login(teacher)
    assert 'id="none-affected"' in client.get(versions_page(cohort)).content.decode()

    change_grading_files()
    new_hash = Project.objects.get(key=KEY).content_hash
    assert new_hash != old_hash
    page = client.get(versions_page(cohort)).content.decode()
    assert f'data-handin="{handin.pk}"' in page and f"<code>{old_hash[:8]}</code>" in page
    assert f"-title = &quot;{OLD_TITLE}&quot;" in page and f"+title = &quot;{NEW_TITLE}&quot;" in page  # the diff

    confirm = f"/teach/cohorts/{cohort.pk}/projects/{KEY}/versions/regrade/"
    plan = client.get(confirm).content.decode()
    assert "1 graded against another version" in plan and "1 in Spring" in plan and new_hash[:8] in plan
    # A confirmation drawn before another change is refused and regrades nothing.
    stale = client.post(confirm, {"version": old_hash})
    assert stale.status_code == 409 and HandinRun.objects.filter(handin=handin).count() == 1

    with django_capture_on_commit_callbacks(execute=True):  # eager Celery grades at commit, for real
        response = client.post(confirm, {"version": new_hash}, follow=True)
    assert "1 hand-in sent to be graded again." in response.content.decode()
    runs = list(HandinRun.objects.filter(handin=handin).order_by("started_at", "pk"))
    assert [r.project_hash for r in runs] == [old_hash, new_hash]  # the earlier run is kept
    handin.refresh_from_db()
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10
    assert 'id="none-affected"' in response.content.decode()
    client.force_login(ada)
    learner_page = client.get(f"/projects/{KEY}/handins/1/").content.decode()
    assert f"Graded against version <code>{new_hash[:8]}</code>" in learner_page


def test_a_regrade_the_platform_cannot_run_keeps_the_earlier_verdict(
    client, shop, people, django_capture_on_commit_callbacks
):
    cohort, teacher, ada = people
    handin = graded_handin(ada, shop)
    root = Path(django_settings.CURRICULUM_DIR) / "projects" / KEY
    (root / "platform.sql").write_text("SELECT * FROM no_such_table;")  # the platform's own SQL fails
    toml = root / "grading.toml"
    toml.write_text(
        toml.read_text().replace("max_connections = 20", 'max_connections = 20\nplatform_sql = ["platform.sql"]')
    )
    sync_curriculum(root.parent.parent)
    client.force_login(teacher)
    new_hash = Project.objects.get(key=KEY).content_hash
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/teach/cohorts/{cohort.pk}/projects/{KEY}/versions/regrade/", {"version": new_hash})
    handin.refresh_from_db()
    faults = HandinRun.objects.filter(handin=handin, outcome=HandinRun.Outcome.FAULT).count()
    assert faults == 1 + grading.MAX_PLATFORM_RETRIES  # every try failed by the platform's fault
    assert handin.status == Handin.Status.DONE and handin.auto_points == 10  # the verdict it had
    assert f'data-handin="{handin.pk}"' in client.get(versions_page(cohort)).content.decode()  # still affected


def test_another_cohorts_instructor_gets_404_and_regrades_nothing(client, shop, people):
    cohort, _, ada = people
    handin = graded_handin(ada, shop)
    change_grading_files()
    client.force_login(InstructorFactory(username="other"))
    confirm = f"/teach/cohorts/{cohort.pk}/projects/{KEY}/versions/regrade/"
    assert client.get(versions_page(cohort)).status_code == 404
    assert client.get(confirm).status_code == 404
    version = Project.objects.get(key=KEY).content_hash
    assert client.post(confirm, {"version": version}).status_code == 404
    handin.refresh_from_db()
    assert handin.status == Handin.Status.DONE and HandinRun.objects.filter(handin=handin).count() == 1
