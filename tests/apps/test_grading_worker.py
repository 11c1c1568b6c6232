"""Submit → a real Celery worker grades in a real sandbox → the verdict is saved, once.

Also what goes wrong in production: a double click, a sandbox that cannot start, a worker
SIGKILLed mid-grade, a broker message that was lost."""

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.courses.models import Lab
from apps.grading.models import Submission
from apps.grading.services import submit_answer, sweep_stuck_submissions
from tests.apps.factories import UserFactory

FIXTURE_LABS = Path(__file__).resolve().parents[1] / "fixtures" / "site-labs"
LAB_KEY = "site-orders-per-customer"
SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()
SLOW_SOLUTION = """
WITH pause AS MATERIALIZED (SELECT pg_sleep(1.5))
SELECT c.name, count(o.id) AS orders
FROM customers c CROSS JOIN pause LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.name ORDER BY c.name;
"""

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_for(submission_id: int, condition, timeout: float = 30) -> Submission:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission = Submission.objects.get(pk=submission_id)
        if condition(submission):
            return submission
        time.sleep(0.05)
    raise AssertionError(f"submission {submission_id} stuck in {submission.status} (tries={submission.tries})")


def finished(submission: Submission) -> bool:
    return submission.is_finished


def test_submit_over_http_reaches_a_verdict_from_a_real_worker(client, start_worker):
    start_worker()
    learner = UserFactory()
    client.force_login(learner)
    response = client.post(
        f"/labs/{LAB_KEY}/submit/", {"answer": SOLUTION, "token": str(uuid.uuid4())}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Queued" in response.content.decode()
    submission = wait_for(Submission.objects.get(user=learner).pk, finished)
    assert submission.status == "done" and submission.score == 1.0 and submission.counted
    partial = client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Score: <strong>100%</strong>" in partial and "hx-get" not in partial  # polling stops


def test_double_submit_makes_one_attempt(client, start_worker):
    start_worker()
    learner = UserFactory()
    client.force_login(learner)
    token = str(uuid.uuid4())
    for _ in range(2):
        client.post(f"/labs/{LAB_KEY}/submit/", {"answer": SOLUTION, "token": token})
    [submission] = Submission.objects.filter(user=learner)
    wait_for(submission.pk, finished)
    time.sleep(0.5)  # a second, wrongly queued grade would show up as a second try
    assert Submission.objects.get(pk=submission.pk).tries == 1


def test_sandbox_that_cannot_start_is_retried_and_never_counted(start_worker):
    start_worker(INDEXED_SANDBOX_ROOT="/proc/indexed-cannot-create-this")
    submission = submit_answer(UserFactory(), Lab.objects.get(key=LAB_KEY), SOLUTION)
    submission = wait_for(submission.pk, finished, timeout=60)
    assert submission.status == "failed" and not submission.counted and submission.score is None
    assert submission.tries == 4  # the first try and three retries with backoff
    assert submission.result["gradable"] is False and "does not count" in submission.result["message"]


def test_worker_killed_mid_grade_still_delivers_one_verdict(start_worker):
    first = start_worker()
    submission = submit_answer(UserFactory(), Lab.objects.get(key=LAB_KEY), SLOW_SOLUTION)
    wait_for(submission.pk, lambda s: s.status == "running")
    first.kill()  # SIGKILL to the whole process group, mid-grade
    start_worker()
    # Its lease is still valid: a sweep now (celery beat runs it every 30 s) leaves it alone.
    assert sweep_stuck_submissions() == []
    # Once the lease has expired the sweeper hands it to the live worker.
    assert sweep_stuck_submissions(now=timezone.now() + timedelta(minutes=10)) == [submission.pk]
    submission = wait_for(submission.pk, finished)
    assert submission.status == "done" and submission.score == 1.0 and submission.counted
    assert submission.tries == 2
    assert Submission.objects.filter(counted=True).count() == 1
    killed, second = submission.runs.all()
    assert killed.outcome == "lost" and not killed.applied and killed.result is None
    assert second.outcome == "graded" and second.applied and second.worker != killed.worker
    assert killed.finished_at <= second.started_at  # never graded twice at once


def test_sweeper_requeues_a_submission_whose_message_was_lost(start_worker):
    start_worker()
    lost = Submission.objects.create(user=UserFactory(), lab=Lab.objects.get(key=LAB_KEY), answer=SOLUTION)
    # Saved, but never sent to the broker (the web process died before its on_commit send):
    # no queued_at, which is written only once the broker took the message.
    Submission.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert sweep_stuck_submissions() == [lost.pk]
    assert wait_for(lost.pk, finished).score == 1.0


def test_grade_and_regrade_commands_share_the_site_path(lab_course, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    answer = tmp_path / "answer.sql"
    answer.write_text(SOLUTION)
    out = StringIO()
    call_command("grade", LAB_KEY, str(answer), stdout=out)
    assert "score 1.00, graded" in out.getvalue() and "[PASS]" in out.getvalue()

    wrong = SOLUTION.replace("LEFT JOIN", "JOIN")
    submission = Submission.objects.create(
        user=UserFactory(), lab=Lab.objects.get(key=LAB_KEY), answer=wrong, status="done", score=1.0, counted=True
    )  # graded by an older, lax lab
    out = StringIO()
    call_command("regrade_lab", LAB_KEY, "--now", stdout=out)
    assert f"submission {submission.pk}: 1.0 -> 0.0" in out.getvalue()
    assert Submission.objects.get(pk=submission.pk).score == 0.0


def test_a_cohort_regrade_runs_on_the_real_worker_and_the_progress_bar_fills(client, start_worker):
    from apps.accounts.models import Membership
    from apps.dashboard.models import RegradeJob
    from tests.apps.factories import CohortFactory

    start_worker()
    cohort = CohortFactory()
    lab = Lab.objects.get(key=LAB_KEY)
    learners = [UserFactory() for _ in range(3)]
    for learner in learners:
        Membership.objects.create(cohort=cohort, user=learner)
        # Graded by an older, stricter version of the lab: the solution got nothing.
        Submission.objects.create(
            user=learner, lab=lab, answer=SOLUTION, status="done", score=0.0, counted=True, result={}
        )
    client.force_login(cohort.instructor)
    confirm = f"/teach/cohorts/{cohort.pk}/labs/{LAB_KEY}/regrade/confirm/"
    response = client.post(confirm, {"scope": "all", "version": lab.content_hash})
    job = RegradeJob.objects.get()
    deadline = time.monotonic() + 30
    while RegradeJob.objects.get(pk=job.pk).status != "done" and time.monotonic() < deadline:
        time.sleep(0.1)
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert '<progress max="3" value="3">' in partial and "3 scores changed" in partial
    assert "hx-get" not in partial  # polling stops once the job is done
    assert set(Submission.objects.values_list("score", flat=True)) == {1.0}


def test_a_mongodb_lab_on_the_emulated_engine_is_graded_by_the_real_worker(lab_course, start_worker):
    """The emulated server is a child of the grading process; Celery's pool processes are
    daemonic, which must not stop them from having one."""
    import shutil

    from apps.courses.services import sync_curriculum

    mongo_lab = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs" / "mongo-aggregation"
    shutil.copytree(mongo_lab, lab_course / "labs" / "mongo-aggregation")
    sync_curriculum(lab_course)
    start_worker()
    lab = Lab.objects.get(key="mongo-spend-per-customer")
    submission = submit_answer(UserFactory(), lab, (mongo_lab / "solution.json").read_text())
    submission = wait_for(submission.pk, finished, timeout=60)
    assert submission.status == "done", submission.result
    assert submission.score == 1.0 and submission.tries == 1
