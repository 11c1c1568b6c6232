"""manage.py export_cohort / import_cohort: one cohort's records leave a site as a JSON file
and come back whole into a site that has the same course and nobody in it."""

import io
import json
import shutil
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apps.accounts.models import Cohort, Membership, User
from apps.courses.models import Lab, Project
from apps.courses.services import sync_curriculum
from apps.dashboard.models import LabPolicy, ProjectGrade
from apps.dashboard.services import grade_project, review_submission
from apps.grading.models import GradingRun, Review, Submission
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(synced_course):
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    return Lab.objects.get(key="site-orders-per-customer")


def graded(user, lab, score, answer):
    submission = Submission.objects.create(
        user=user, lab=lab, answer=answer, status=Submission.Status.DONE, score=score, counted=True, tries=1,
        result={"score": score, "gradable": True, "status": "graded", "message": "", "checks": []},
        finished_at=timezone.now(),
    )
    GradingRun.objects.create(submission=submission, worker="host-a:123", outcome=GradingRun.Outcome.GRADED,
                              result=submission.result, applied=True, finished_at=timezone.now())
    return submission


@pytest.fixture
def cohort(lab):
    teacher = InstructorFactory(username="teacher")
    cohort = CohortFactory(instructor=teacher, name="Spring cohort")
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    for learner in (ada, bob):
        Membership.objects.create(cohort=cohort, user=learner)
    UserFactory(username="outsider")
    graded(User.objects.get(username="outsider"), lab, 1.0, "SELECT 'not in the cohort'")
    graded(ada, lab, 1.0, "SELECT 'ada right'")
    wrong = graded(ada, lab, 0.4, "SELECT 'ada partly'")
    review_submission(wrong, teacher, "Right idea, the join loses customers.", cohort=cohort,
                      score_action="set", score_percent=70)
    running = Submission.Status.RUNNING
    waiting = Submission.objects.create(user=bob, lab=lab, answer="SELECT 'bob waiting'", status=running)
    GradingRun.objects.create(submission=waiting, worker="host-b:9")
    grade_project(cohort, ada, Project.objects.get(key="proj-one"), score_percent=85,
                  handed_in_at=timezone.now() - timedelta(days=1), comment="Clear schema.", graded_by=teacher)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=timezone.now() + timedelta(days=7))
    return cohort


def export(*args: str) -> dict:
    out = io.StringIO()
    call_command("export_cohort", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def empty_the_site() -> None:
    """Everything about people goes; the course (labs, projects) stays, as on a new site."""
    Review.objects.all().delete()
    ProjectGrade.objects.all().delete()
    Submission.objects.all().delete()
    Cohort.objects.all().delete()
    User.objects.all().delete()


def test_a_cohort_round_trips_through_a_file_into_an_empty_site(cohort, tmp_path, client):
    path = tmp_path / "spring.json"
    call_command("export_cohort", "Spring cohort", "-o", str(path), "--include-password-hashes", stderr=io.StringIO())
    assert path.stat().st_mode & 0o777 == 0o600  # answers, scores and password hashes
    before = json.loads(path.read_text())
    assert [m["user"] for m in before["members"]] == ["ada", "bob"]
    assert "outsider" not in {u["username"] for u in before["users"]}
    assert len(before["submissions"]) == 3

    empty_the_site()
    assert not User.objects.exists() and not Submission.objects.exists()
    out = io.StringIO()
    call_command("import_cohort", str(path), stdout=out)
    assert "3 accounts created, 3 submissions" in out.getvalue(), out.getvalue()

    after = export("Spring cohort", "--include-password-hashes")
    # Exactly what left, but for one thing: bob's answer was being graded when exported; it
    # comes back waiting for a grader, and the run that was grading it is recorded as lost.
    waiting = next(s for s in before["submissions"] if s["user"] == "bob")
    waiting.update(status="queued", started_at=None)
    waiting["runs"][0]["outcome"] = "lost"
    for data in (before, after):
        data.pop("exported_at")
    assert after == before

    # What people notice: ada logs in with her own password, her override still counts, the
    # instructor's review and the project grade are there, bob's answer will be graded.
    assert client.login(username="ada", password=PASSWORD)
    overridden = Submission.objects.get(answer="SELECT 'ada partly'")
    assert overridden.score == 0.4 and overridden.effective_score == 0.7
    assert overridden.reviews.get().author.username == "teacher"
    assert ProjectGrade.objects.get(learner__username="ada").score == 0.85
    bob_waiting = Submission.objects.get(user__username="bob")
    assert bob_waiting.status == Submission.Status.QUEUED and bob_waiting.queued_at is None  # the sweeper sends it


def test_password_hashes_stay_behind_unless_asked(cohort):
    data = export("Spring cohort")
    assert all("password" not in user for user in data["users"])
    empty_the_site()
    from apps.accounts.management.commands.import_cohort import import_cohort

    import_cohort(data)
    assert not User.objects.get(username="ada").has_usable_password()


def test_importing_again_adds_no_submission_twice_and_a_foreign_course_is_refused_whole(cohort, lab):
    data = export("Spring cohort")
    from apps.accounts.management.commands.import_cohort import import_cohort

    again, counts = import_cohort(data, name="Spring cohort (copy)")
    assert counts["submissions"] == 0 and counts["submissions already here"] == 3
    assert again.invite_code != cohort.invite_code  # never two live invite links for one code
    assert set(again.learners.values_list("username", flat=True)) == {"ada", "bob"}

    data["submissions"][0]["lab"] = "no-such-lab"
    cohorts = Cohort.objects.count()
    with pytest.raises(CommandError, match="no-such-lab"):
        import_cohort(data, name="Broken")
    assert Cohort.objects.count() == cohorts
