"""Content versions: sync keeps every version of a lab's graded files, the instructor sees
the diff between two and which submissions were graded against an older one, each verdict
names its version, and a regrade (after a confirmation saying what it touches) records the
new version on every run."""


import pytest
from django.utils.html import escape

from apps.accounts.models import Membership
from apps.courses.models import ContentVersion, Lab
from apps.courses.services import sync_curriculum
from apps.dashboard.models import RegradeJob
from apps.dashboard.versions import find_affected_submissions, plan_regrade
from apps.grading.models import GradingRun, Submission
from apps.grading.services import lab_content_hash
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db

SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()
OLD_NAME = 'name = "rows match the expected result"'
NEW_NAME = 'name = "every customer, zero-order ones too, in name order"'



@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"), name="Spring cohort")


def member(cohort, username: str):
    user = UserFactory(username=username)
    Membership.objects.create(cohort=cohort, user=user)
    return user


def graded_on(user, lab, lab_hash: str, score: float = 0.0, answer: str = "SELECT 1") -> Submission:
    """A submission whose verdict came from a grading run of version ``lab_hash``."""
    submission = Submission.objects.create(
        user=user,
        lab=lab,
        answer=answer,
        status=Submission.Status.DONE,
        score=score,
        counted=True,
        result={"score": score, "gradable": True, "status": "graded", "message": "", "checks": []},
    )
    GradingRun.objects.create(
        submission=submission,
        lab_hash=lab_hash,
        outcome=GradingRun.Outcome.GRADED,
        applied=True,
        result=submission.result,
    )
    return submission


def change_the_lab(course_dir) -> Lab:
    """An author renames the lab's check and syncs: a second version."""
    toml = course_dir / "labs" / "sql-orders-per-customer" / "lab.toml"
    toml.write_text(toml.read_text().replace(OLD_NAME, NEW_NAME))
    sync_curriculum(course_dir)
    return Lab.objects.get(key="site-orders-per-customer")


def test_sync_keeps_a_version_when_the_lab_changes_and_none_when_it_does_not(lab, synced_course):
    first = ContentVersion.objects.get(key=lab.key)
    assert first.hash == lab.content_hash == lab_content_hash(lab)  # the hash grading runs record
    assert OLD_NAME in first.files["lab.toml"] and "setup.sql" in first.files
    sync_curriculum(synced_course)
    assert ContentVersion.objects.filter(key=lab.key).count() == 1
    changed = change_the_lab(synced_course)
    versions = list(ContentVersion.objects.filter(key=lab.key))
    assert [v.hash for v in versions] == [first.hash, changed.content_hash] and first.hash != changed.content_hash
    assert NEW_NAME in versions[1].files["lab.toml"]


def test_an_edit_of_the_readme_alone_is_kept_but_leaves_every_verdict_current(lab, cohort, synced_course, client):
    ada = graded_on(member(cohort, "ada"), lab, lab.content_hash)
    readme = synced_course / "labs" / "sql-orders-per-customer" / "README.md"
    readme.write_text("# Orders per customer\n\nHint: a LEFT JOIN keeps customers without orders.\n")
    sync_curriculum(synced_course)
    versions = list(ContentVersion.objects.filter(key=lab.key))
    assert len(versions) == 2 and versions[0].hash == versions[1].hash == lab.content_hash  # grading unchanged
    assert "Hint: a LEFT JOIN" in versions[1].files["README.md"]
    assert find_affected_submissions(cohort, lab) == []  # nobody needs a regrade for a reworded README
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/versions/").content.decode()
    assert escape("+Hint: a LEFT JOIN keeps customers without orders.") in page
    assert f"/submissions/{ada.pk}/" not in page
    sync_curriculum(synced_course)
    assert ContentVersion.objects.filter(key=lab.key).count() == 2  # nothing new: nothing kept


def test_the_versions_page_shows_the_diff_and_the_submissions_graded_on_an_older_version(
    lab, cohort, synced_course, client
):
    old_hash = lab.content_hash
    stale = graded_on(member(cohort, "ada"), lab, old_hash)
    graded_on(UserFactory(username="outsider"), lab, old_hash)  # another cohort: not listed
    lab = change_the_lab(synced_course)
    fresh = graded_on(member(cohort, "bob"), lab, lab.content_hash)
    assert [a.submission.pk for a in find_affected_submissions(cohort, lab)] == [stale.pk]
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/versions/").content.decode()
    assert f'<span class="vdiff-removed">-{escape(OLD_NAME)}</span>' in page
    assert f'<span class="vdiff-added">+{escape(NEW_NAME)}</span>' in page
    assert "1 submission of 1 learner" in page and "ada" in page and old_hash[:8] in page
    assert "outsider" not in page and f"/submissions/{fresh.pk}/" not in page


def test_regrade_all_asks_first_and_says_what_it_touches(lab, cohort, client):
    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    graded_on(ada, lab, lab.content_hash)
    graded_on(ada, lab, lab.content_hash)
    graded_on(bob, lab, lab.content_hash)
    client.force_login(cohort.instructor)
    asked = client.post(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/")
    assert asked["Location"] == f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/confirm/?scope=all"
    assert not RegradeJob.objects.exists()  # nothing started without a confirmation
    page = client.get(asked["Location"]).content.decode()
    assert "3 graded submissions" in page and "2 in Spring cohort" in page and lab.content_hash[:8] in page
    versions = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/versions/").content.decode()
    assert "Only one version so far" in versions and 'id="none-affected"' in versions


def test_a_confirmation_for_a_version_that_changed_since_is_refused_and_shows_the_new_plan(
    lab, cohort, synced_course, client
):
    graded_on(member(cohort, "ada"), lab, lab.content_hash)
    old_hash = lab.content_hash
    lab = change_the_lab(synced_course)
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/confirm/"
    response = client.post(url, {"scope": "affected", "version": old_hash})
    assert response.status_code == 409 and "The lab changed since you opened this page" in response.content.decode()
    assert lab.content_hash[:8] in response.content.decode()
    assert not RegradeJob.objects.exists()


def test_versions_and_regrades_are_the_cohorts_instructors_only(lab, cohort, client):
    ada = member(cohort, "ada")
    graded_on(ada, lab, "0" * 16)
    for intruder in (InstructorFactory(username="other"), ada):
        client.force_login(intruder)
        base = f"/teach/cohorts/{cohort.pk}/labs/{lab.key}"
        assert client.get(f"{base}/versions/").status_code == 404
        assert client.get(f"{base}/regrade/confirm/?scope=affected").status_code == 404
        assert client.post(f"{base}/regrade/confirm/", {"scope": "all", "version": lab.content_hash}).status_code == 404
    assert not RegradeJob.objects.exists()


def test_the_learner_and_the_instructor_see_the_version_a_verdict_came_from(lab, cohort, client):
    ada = member(cohort, "ada")
    submission = graded_on(ada, lab, lab.content_hash, score=1.0)
    stamp = f"Graded against version <code>{lab.content_hash[:8]}</code> of "
    client.force_login(ada)
    assert stamp in client.get(f"/submissions/{submission.pk}/").content.decode()
    client.force_login(cohort.instructor)
    assert stamp in client.get(f"/teach/cohorts/{cohort.pk}/submissions/{submission.pk}/").content.decode()


def test_regrading_the_affected_submissions_records_the_new_version_on_each_run(
    lab, cohort, synced_course, client, django_capture_on_commit_callbacks
):
    """Celery runs eagerly in tests: each affected submission is really graded again."""
    old_hash = lab.content_hash
    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    stale = graded_on(ada, lab, old_hash, score=0.0, answer=SOLUTION)  # as if an older lab was stricter
    other = graded_on(bob, lab, old_hash, score=0.0, answer="SELECT 1")
    lab = change_the_lab(synced_course)
    current = graded_on(bob, lab, lab.content_hash, score=0.0, answer="SELECT 2")  # already on the new version
    plan = plan_regrade(cohort, lab, "affected")
    assert (plan.count, plan.learners, plan.version.hash) == (2, 2, lab.content_hash)
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/confirm/"
    assert "Regrade 2 submissions" in client.get(url + "?scope=affected").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"scope": "affected", "version": lab.content_hash})
    job = RegradeJob.objects.get()
    assert response["Location"] == f"/teach/cohorts/{cohort.pk}/regrades/{job.pk}/"
    assert sorted(job.submission_ids) == sorted([stale.pk, other.pk]) and job.status == RegradeJob.Status.DONE
    for submission in (stale, other):
        newest = GradingRun.objects.filter(submission=submission, applied=True).latest("started_at", "pk")
        assert newest.purpose == GradingRun.Purpose.REGRADE and newest.lab_hash == lab.content_hash
    assert not GradingRun.objects.filter(submission=current, purpose=GradingRun.Purpose.REGRADE).exists()
    stale.refresh_from_db()
    assert stale.score == 1.0
    assert find_affected_submissions(cohort, lab) == []
    page = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/versions/").content.decode()
    assert 'id="none-affected"' in page


def test_files_changed_without_a_sync_are_named_and_a_regrade_would_use_them(lab, cohort, synced_course, client):
    graded_on(member(cohort, "ada"), lab, lab.content_hash)
    toml = synced_course / "labs" / "sql-orders-per-customer" / "lab.toml"
    toml.write_text(toml.read_text().replace(OLD_NAME, NEW_NAME))  # no sync
    on_disk = lab_content_hash(lab)
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/versions/").content.decode()
    assert f"(version <code>{on_disk[:8]}</code>) differ from the last synced version" in page
    assert "1 submission of 1 learner" in page
    confirm = client.get(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/confirm/?scope=affected").content.decode()
    assert on_disk[:8] in confirm and "(not synced yet)" in confirm


def test_a_projects_versions_page_shows_what_changed_in_its_brief(synced_course, cohort, client):
    brief = synced_course / "projects" / "proj-one" / "project.md"
    brief.write_text(brief.read_text().replace("Design it.", "Design it in third normal form."))
    sync_curriculum(synced_course)
    assert ContentVersion.objects.filter(key="proj-one", kind="project").count() == 2
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/projects/proj-one/versions/"
    page = client.get(url).content.decode()
    assert '<span class="vdiff-removed">-Design it.</span>' in page
    assert '<span class="vdiff-added">+Design it in third normal form.</span>' in page
    assert "Graded against an older version" not in page  # hand-ins do not record a version
    client.force_login(InstructorFactory(username="other"))
    assert client.get(url).status_code == 404
