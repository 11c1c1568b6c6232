"""An instructor previews a regrade: every submission is graded again, the page shows the
score changes a regrade would make, and nothing is written until they apply it."""


import pytest

from apps.accounts.models import Membership
from apps.dashboard.models import RegradeJob
from apps.dashboard.services import RegradeStale, apply_regrade_preview, start_regrade
from apps.grading import services as grading
from apps.grading.models import GradingRun, Submission
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db

SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()
WRONG = (FIXTURE_LABS / "sql-orders-per-customer" / "wrong" / "inner-join.sql").read_text()



@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"))


def graded(cohort, lab, username: str, answer: str, score: float) -> Submission:
    """A learner of ``cohort`` whose answer an older version of the lab graded ``score``."""
    learner = UserFactory(username=username)
    Membership.objects.create(cohort=cohort, user=learner)
    result = {"score": score, "gradable": True, "status": "graded", "message": "older lab", "checks": []}
    return Submission.objects.create(
        user=learner, lab=lab, answer=answer, status="done", score=score, counted=True, result=result
    )


def grade_as(monkeypatch, scores: dict[str, float | None]):
    """Grade each answer to the score given for it (None: the sandbox does not start)."""

    def fake(lab, answer):
        score = scores[answer]
        if score is None:
            return {"score": 0.0, "gradable": False, "status": "platform_error", "message": "no sandbox", "checks": []}
        return {"score": score, "gradable": True, "status": "graded", "message": "", "checks": []}

    monkeypatch.setattr(grading, "grade_answer", fake)


def preview(cohort, lab, django_capture_on_commit_callbacks) -> RegradeJob:
    with django_capture_on_commit_callbacks(execute=True):  # Celery is eager in tests
        job = start_regrade(cohort, lab, cohort.instructor, preview=True)
    job.refresh_from_db()
    return job


@pytest.mark.slow
def test_a_preview_shows_the_changes_on_its_page_and_writes_them_only_when_applied(
    lab, cohort, client, django_capture_on_commit_callbacks
):
    """Real sandboxes: each submission is really graded again for the preview."""
    stale = graded(cohort, lab, "ada", SOLUTION, 0.0)  # graded by an older, stricter lab
    wrong = graded(cohort, lab, "bob", WRONG, 0.0)
    client.force_login(cohort.instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/regrade/", {"mode": "preview"})
    job = RegradeJob.objects.get()
    assert job.preview and job.status == "done" and response["Location"].endswith(f"/regrades/{job.pk}/")
    assert {c.submission_id: (c.before, c.after) for c in job.changes.all()} == {
        stale.pk: (0.0, 1.0),
        wrong.pk: (0.0, 0.0),
    }
    stale.refresh_from_db()
    assert stale.score == 0.0 and stale.result["message"] == "older lab"  # nothing written yet

    page = client.get(response["Location"]).content.decode()
    assert "Regrade preview of" in page and "2 of 2 graded for the preview" in page
    assert "1 score would change" in page and "Would be" in page and "Apply this regrade" in page

    response = client.post(f"/teach/cohorts/{cohort.pk}/regrades/{job.pk}/apply/", follow=True)
    page = response.content.decode()
    assert "Applied: 2 verdicts written." in page and "Apply this regrade" not in page
    stale.refresh_from_db()
    assert stale.score == 1.0 and stale.counted and stale.result["status"] == "graded"
    assert Submission.objects.get(pk=wrong.pk).score == 0.0
    assert GradingRun.objects.filter(purpose="preview", applied=True).count() == 2


def test_applying_a_preview_twice_writes_once(lab, cohort, monkeypatch, django_capture_on_commit_callbacks):
    submission = graded(cohort, lab, "ada", SOLUTION, 0.0)
    grade_as(monkeypatch, {SOLUTION: 1.0})
    job = preview(cohort, lab, django_capture_on_commit_callbacks)
    assert apply_regrade_preview(job) == 1
    first = Submission.objects.get(pk=submission.pk).finished_at
    job.refresh_from_db()
    assert apply_regrade_preview(job) == 1  # a double click: the count, no second write
    assert Submission.objects.get(pk=submission.pk).finished_at == first


def test_a_submission_graded_again_since_the_preview_keeps_its_newer_verdict(
    lab, cohort, monkeypatch, django_capture_on_commit_callbacks
):
    moved_on = graded(cohort, lab, "ada", SOLUTION, 0.0)
    other = graded(cohort, lab, "bob", WRONG, 0.0)
    grade_as(monkeypatch, {SOLUTION: 1.0, WRONG: 0.5})
    job = preview(cohort, lab, django_capture_on_commit_callbacks)
    grade_as(monkeypatch, {SOLUTION: 0.75, WRONG: 0.5})
    grading.regrade_submission_now(moved_on.pk)  # a regrade that landed after the preview
    assert apply_regrade_preview(job) == 1
    assert Submission.objects.get(pk=moved_on.pk).score == 0.75
    assert Submission.objects.get(pk=other.pk).score == 0.5
    assert set(job.changes.filter(applied=True).values_list("submission_id", flat=True)) == {other.pk}


def test_a_preview_made_before_the_lab_changed_is_refused(
    lab, cohort, client, monkeypatch, django_capture_on_commit_callbacks
):
    submission = graded(cohort, lab, "ada", SOLUTION, 0.0)
    grade_as(monkeypatch, {SOLUTION: 1.0})
    job = preview(cohort, lab, django_capture_on_commit_callbacks)
    monkeypatch.setattr(grading, "lab_content_hash", lambda lab: "0123456789abcdef")  # the lab's files changed
    with pytest.raises(RegradeStale):
        apply_regrade_preview(job)
    client.force_login(cohort.instructor)
    page = client.post(f"/teach/cohorts/{cohort.pk}/regrades/{job.pk}/apply/", follow=True).content.decode()
    assert "The lab changed after this preview was made" in page and "Apply this regrade" in page
    assert Submission.objects.get(pk=submission.pk).score == 0.0
    assert RegradeJob.objects.get(pk=job.pk).applied_at is None


def test_a_platform_fault_in_a_preview_says_the_earlier_verdict_would_stay_and_applying_keeps_it(
    lab, cohort, monkeypatch, django_capture_on_commit_callbacks
):
    submission = graded(cohort, lab, "ada", SOLUTION, 0.5)
    grade_as(monkeypatch, {SOLUTION: None})
    job = preview(cohort, lab, django_capture_on_commit_callbacks)
    change = job.changes.get()
    assert change.before == change.after == 0.5 and "would keep the earlier verdict" in change.note
    assert GradingRun.objects.filter(purpose="preview", outcome="fault").count() == 4  # retried like a grade
    assert apply_regrade_preview(job) == 0
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.result["message"]) == ("done", 0.5, "older lab")


def test_only_the_cohorts_instructor_may_apply_its_preview(
    lab, cohort, client, monkeypatch, django_capture_on_commit_callbacks
):
    submission = graded(cohort, lab, "ada", SOLUTION, 0.0)
    grade_as(monkeypatch, {SOLUTION: 1.0})
    job = preview(cohort, lab, django_capture_on_commit_callbacks)
    client.force_login(InstructorFactory())
    response = client.post(f"/teach/cohorts/{cohort.pk}/regrades/{job.pk}/apply/")
    assert response.status_code in (403, 404)
    assert Submission.objects.get(pk=submission.pk).score == 0.0


def test_a_preview_and_a_regrade_of_the_same_lab_are_separate_jobs(lab, cohort):
    graded(cohort, lab, "ada", SOLUTION, 0.0)
    looking = start_regrade(cohort, lab, cohort.instructor, preview=True)  # tasks never run: no on_commit here
    assert start_regrade(cohort, lab, cohort.instructor, preview=True) == looking  # a double click joins it
    assert start_regrade(cohort, lab, cohort.instructor) != looking
