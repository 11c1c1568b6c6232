"""One verdict lifecycle: a GradingRun per attempt, one writer of verdicts, a lease that
keeps two workers off one submission, a sweeper that re-queues only expired leases, and one
time budget per lab. Grading is replaced by canned Results here (fast, exact); the real
worker processes and sandboxes are in test_grading_worker.py and test_grading_leases.py."""

from datetime import timedelta
from io import StringIO

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import call_command
from django.utils import timezone

from apps.courses.models import Lab
from apps.grading import services
from apps.grading.budget import TimeBudget
from apps.grading.models import GradingRun, Submission
from labs.runner import HARD_MARGIN, PREPARATION_ALLOWANCE
from tests.apps.factories import UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db

SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()
EARLIER = {"score": 0.5, "gradable": True, "status": "graded", "message": "graded by an older lab", "checks": []}



def verdict(score: float) -> dict:
    return {"score": score, "gradable": True, "status": "graded", "message": "", "checks": []}


def fault(message: str = "sandbox did not start") -> dict:
    return {"score": 0.0, "gradable": False, "status": "platform_error", "message": message, "checks": []}


def graded_earlier(lab, **fields) -> Submission:
    return Submission.objects.create(
        user=UserFactory(), lab=lab, answer=SOLUTION, status="done", score=0.5, counted=True, result=EARLIER, **fields
    )


def grader_returning(monkeypatch, *outcomes):
    """Make grading return ``outcomes`` in turn (the last one repeats); an exception class
    is raised instead. Returns the list of answers graded."""
    calls = []

    def fake(lab, answer):
        calls.append(answer)
        outcome = outcomes[min(len(calls), len(outcomes)) - 1]
        if isinstance(outcome, type) and issubclass(outcome, BaseException):
            raise outcome()
        return outcome

    monkeypatch.setattr(services, "grade_answer", fake)
    return calls


# --------------------------------------------------------------------------- one verdict writer


def test_regrade_lab_now_with_a_platform_fault_keeps_the_earlier_verdict(lab, monkeypatch):
    submission = graded_earlier(lab)
    grader_returning(monkeypatch, fault())
    out = StringIO()
    call_command("regrade_lab", lab.key, "--now", stdout=out)
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.result, submission.counted) == ("done", 0.5, EARLIER, True)
    assert f"submission {submission.pk}: could not regrade, kept 0.5" in out.getvalue()
    [run] = submission.runs.all()
    assert run.purpose == "regrade" and run.outcome == "fault" and not run.applied and run.finished_at
    assert submission.lease_run is None  # the fault released the lease


def test_queued_regrade_keeps_the_verdict_through_every_retry_of_a_fault(lab, monkeypatch):
    """Celery is eager here: the regrade task and its three retries run inside the command."""
    submission = graded_earlier(lab)
    seen = []
    monkeypatch.setattr(
        services, "grade_answer", lambda lab, answer: seen.append(Submission.objects.get(pk=submission.pk)) or fault()
    )
    call_command("regrade_lab", lab.key, stdout=StringIO())
    assert [s.score for s in seen] == [0.5] * 4  # never blanked, not even between tries
    assert [s.status for s in seen] == ["done"] * 4
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.result) == ("done", 0.5, EARLIER)
    assert list(submission.runs.values_list("outcome", flat=True)) == ["fault"] * 4


def test_a_gradable_regrade_replaces_the_verdict_but_not_the_instructors_override(lab, monkeypatch):
    submission = graded_earlier(lab, override_score=0.7)
    grader_returning(monkeypatch, verdict(1.0))
    call_command("regrade_lab", lab.key, "--now", stdout=StringIO())
    submission.refresh_from_db()
    assert (submission.score, submission.override_score, submission.result["score"]) == (1.0, 0.7, 1.0)
    assert submission.runs.get().applied


def test_a_fault_on_the_last_try_of_a_first_grade_is_could_not_be_graded_and_not_counted(lab, monkeypatch):
    grader_returning(monkeypatch, fault())
    submission = Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION)
    submission = services.grade_submission_now(submission.pk, final_try=True)
    assert (submission.status, submission.score, submission.counted) == ("failed", None, False)
    assert submission.runs.get().applied  # "could not be graded" is the verdict when nothing better exists


# --------------------------------------------------------------------------- the lease


def test_a_second_claim_gets_nothing_while_the_lease_holds_and_takes_over_once_it_expired(lab, monkeypatch):
    submission = Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION)
    first = services.claim_submission(submission.pk)
    assert first is not None and first.lab_hash and first.worker
    assert services.claim_submission(submission.pk) is None  # RUNNING, leased: a status check would let it in
    with pytest.raises(services.LeaseBusy):
        services.regrade_submission_now(submission.pk)
    assert submission.runs.count() == 1

    Submission.objects.filter(pk=submission.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    second = services.claim_submission(submission.pk)  # the first worker is presumed dead
    assert second is not None
    first.refresh_from_db()
    assert first.outcome == "lost"

    grader_returning(monkeypatch, verdict(0.0))
    late = services.run_grading(first)  # the "dead" worker was only slow: it finishes anyway
    assert services.record_verdict(late).status == "running"  # and writes nothing
    grader_returning(monkeypatch, verdict(1.0))
    submission = services.record_verdict(services.run_grading(second))
    assert (submission.status, submission.score, submission.tries) == ("done", 1.0, 2)
    assert list(submission.runs.filter(applied=True)) == [second]
    assert services.claim_submission(submission.pk) is None  # finished: a redelivered message does nothing


# --------------------------------------------------------------------------- the sweeper


def test_the_sweeper_leaves_a_backlog_alone_and_requeues_only_expired_leases(lab, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "enqueue_grading", sent.append)
    long_ago = timezone.now() - timedelta(minutes=10)
    backlog = [
        Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION, queued_at=long_ago) for _ in range(5)
    ]
    dying = Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION, queued_at=long_ago)
    run = services.claim_submission(dying.pk)
    busy = Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION, queued_at=long_ago)
    services.claim_submission(busy.pk)

    assert services.sweep_stuck_submissions() == []  # a waiting queue and live leases: nothing to do
    assert sent == []
    Submission.objects.filter(pk=dying.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    assert services.sweep_stuck_submissions() == [dying.pk]
    run.refresh_from_db()
    dying.refresh_from_db()
    assert run.outcome == "lost" and dying.status == "queued" and dying.lease_run is None
    assert sent == [dying.pk] and all(Submission.objects.get(pk=s.pk).status == "queued" for s in backlog)
    assert services.sweep_stuck_submissions() == []  # once


def test_the_sweeper_sends_a_submission_that_never_reached_the_broker(lab, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    from apps.grading.tasks import grade_submission

    monkeypatch.setattr(grade_submission, "apply_async", broker_down)
    submission = Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION)
    services.enqueue_grading(submission.pk)  # logged, not raised: the learner's submit still succeeds
    submission.refresh_from_db()
    assert submission.queued_at is None
    sent = []
    monkeypatch.setattr(services, "enqueue_grading", sent.append)
    assert services.sweep_stuck_submissions() == []  # within the grace period the on_commit send may still come
    assert services.sweep_stuck_submissions(now=timezone.now() + timedelta(minutes=2)) == [submission.pk]
    assert sent == [submission.pk]


# --------------------------------------------------------------------------- the time budget


def test_every_grading_limit_derives_from_the_labs_time_limit(lab, monkeypatch):
    from apps.grading.tasks import grade_submission

    sent = []
    monkeypatch.setattr(grade_submission, "apply_async", lambda args, **limits: sent.append(limits))
    Lab.objects.filter(pk=lab.pk).update(time_limit=40)
    submission = Submission.objects.create(user=UserFactory(), lab=lab, answer=SOLUTION)
    services.enqueue_grading(submission.pk)
    budget = TimeBudget(40)
    assert sent == [{"soft_time_limit": budget.soft_limit, "time_limit": budget.hard_limit}]
    # The soft limit is reached only after the runner's own worst case (learner clock,
    # preparation allowance, hard margin), and a worker keeps its lease past the hard kill.
    assert budget.soft_limit > 40 + PREPARATION_ALLOWANCE + HARD_MARGIN
    assert budget.hard_limit > budget.soft_limit
    assert budget.lease.total_seconds() > budget.hard_limit
    assert TimeBudget(10).soft_limit < budget.soft_limit
    run = services.claim_submission(submission.pk)
    assert run.lease_expires_at - run.started_at == budget.lease


def test_the_page_says_a_grade_is_taking_longer_than_usual_only_past_the_labs_limit(lab, client):
    learner = UserFactory()
    client.force_login(learner)
    submission = Submission.objects.create(user=learner, lab=lab, answer=SOLUTION, queued_at=timezone.now())
    partial = client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Queued" in partial and "longer than usual" not in partial
    Submission.objects.filter(pk=submission.pk).update(queued_at=timezone.now() - timedelta(seconds=lab.time_limit + 1))
    partial = client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "taking longer than usual" in partial and "hx-get" in partial  # still polling


def test_a_soft_time_limit_is_a_platform_fault_that_is_retried(lab, monkeypatch, django_capture_on_commit_callbacks):
    grader_returning(monkeypatch, SoftTimeLimitExceeded, verdict(1.0))
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_answer(UserFactory(), lab, SOLUTION)
    submission.refresh_from_db()
    assert (submission.status, submission.score, submission.counted, submission.tries) == ("done", 1.0, True, 2)
    first, second = submission.runs.all()
    assert first.outcome == "fault" and "time budget" in first.result["message"] and not first.applied
    assert second.outcome == "graded" and second.applied


def test_a_soft_time_limit_on_every_try_ends_as_could_not_be_graded(
    lab, monkeypatch, django_capture_on_commit_callbacks
):
    grader_returning(monkeypatch, SoftTimeLimitExceeded)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_answer(UserFactory(), lab, SOLUTION)
    submission.refresh_from_db()
    assert (submission.status, submission.counted, submission.tries) == ("failed", False, 4)
    assert "does not count" in submission.result["message"]
    assert GradingRun.objects.filter(submission=submission, outcome="fault").count() == 4


def test_a_dead_regrade_leaves_the_verdict_and_the_sweeper_only_frees_its_lease(lab, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "enqueue_grading", sent.append)
    submission = graded_earlier(lab)
    run = services.claim_submission(submission.pk, GradingRun.Purpose.REGRADE)  # then its worker is killed
    assert Submission.objects.get(pk=submission.pk).status == "done"  # the verdict shows while regrading
    assert services.sweep_stuck_submissions(now=timezone.now() + TimeBudget(lab.time_limit).lease * 2) == []
    submission.refresh_from_db()
    run.refresh_from_db()
    assert run.outcome == "lost" and submission.lease_run is None and sent == []  # its own message comes back
    assert (submission.status, submission.score, submission.result) == ("done", 0.5, EARLIER)


def test_a_retried_regrade_fault_on_an_ungraded_submission_does_not_requeue_it(lab, monkeypatch):
    submission = Submission.objects.create(
        user=UserFactory(),
        lab=lab,
        answer=SOLUTION,
        status="failed",
        result=fault("first try"),
        queued_at=timezone.now(),
    )
    grader_returning(monkeypatch, fault("again"))
    with pytest.raises(services.PlatformFault):
        services.regrade_submission_now(submission.pk, final_try=False)
    submission.refresh_from_db()
    assert submission.status == "failed" and submission.result["message"] == "first try"
    services.regrade_submission_now(submission.pk, final_try=True)
    submission.refresh_from_db()
    assert submission.status == "failed" and submission.result["message"] == "again" and not submission.counted


def test_the_page_polls_a_waiting_verdict_less_often_the_longer_it_waits(lab, client):
    learner = UserFactory()
    client.force_login(learner)
    submission = Submission.objects.create(user=learner, lab=lab, answer="select 1;")

    def polled_after() -> str:
        page = client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()
        return page.split('hx-trigger="load delay:')[1].split('"')[0]

    assert polled_after() in {f"{ms}ms" for ms in range(400, 500)}  # a fresh answer: quickly
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(seconds=10))
    assert polled_after() in {f"{ms}ms" for ms in range(1400, 1500)}
    Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert polled_after() == "3000ms"  # a backlog: at most every 3 s
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.DONE, score=1.0)
    assert "hx-trigger" not in client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()


def test_a_waiting_poll_shows_the_state_and_reads_little(lab, client, django_assert_max_num_queries):
    # Behind a backlog each submission is polled 20-40 times: the waiting answer reads the
    # session, the learner and the submission, not the cohort rules a verdict needs.
    learner = UserFactory()
    client.force_login(learner)
    submission = Submission.objects.create(user=learner, lab=lab, answer="select 1;")
    with django_assert_max_num_queries(4):
        page = client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Queued: waiting for a grader" in page and 'hx-trigger="load delay:' in page
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.RUNNING)
    page = client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Running on a real server" in page
    other = UserFactory()
    client.force_login(other)
    assert client.get(f"/submissions/{submission.pk}/", HTTP_HX_REQUEST="true").status_code == 404
