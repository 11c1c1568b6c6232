"""Two real Celery workers on one backlog: the grading lease, not a status check, keeps
them off each other's submissions. Every message is sent twice (as a redelivery or an
over-eager sweeper would), so both workers really do reach for the same submissions."""

import time

import pytest
import redis

from apps.courses.models import Lab
from apps.grading.models import GradingRun, Submission
from apps.grading.services import enqueue_grading
from tests.apps.factories import UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LAB_KEY = "site-orders-per-customer"
SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()
WRONG = (FIXTURE_LABS / "sql-orders-per-customer" / "wrong" / "inner-join.sql").read_text()
BACKLOG = 200


def test_two_workers_on_a_backlog_of_200_give_each_submission_exactly_one_verdict(start_worker, broker):
    lab = Lab.objects.get(key=LAB_KEY)
    learners = [UserFactory() for _ in range(20)]
    Submission.objects.bulk_create(
        Submission(user=learners[i % 20], lab=lab, answer=WRONG if i % 4 == 0 else SOLUTION) for i in range(BACKLOG)
    )
    ids = list(Submission.objects.values_list("pk", flat=True))
    for submission_id in ids:  # back to back, so each worker takes one of the pair at once
        enqueue_grading(submission_id)
        enqueue_grading(submission_id)
    start_worker()
    start_worker()

    deadline = time.monotonic() + 150
    while Submission.objects.filter(status__in=["queued", "running"]).exists():
        assert time.monotonic() < deadline, f"{Submission.objects.exclude(status='done').count()} still waiting"
        time.sleep(0.5)
    queue = redis.Redis.from_url(broker.url)
    while queue.llen("celery") and time.monotonic() < deadline:  # the duplicates drain too
        time.sleep(0.2)
    time.sleep(1)

    submissions = list(Submission.objects.all())
    assert {s.status for s in submissions} == {"done"}
    assert all(s.score == (0.0 if s.answer == WRONG else 1.0) and s.counted for s in submissions)
    runs = list(GradingRun.objects.order_by("submission_id", "started_at", "pk"))
    per_submission: dict[int, list[GradingRun]] = {}
    for run in runs:
        per_submission.setdefault(run.submission_id, []).append(run)
    assert set(per_submission) == set(ids)
    for submission_id, its_runs in per_submission.items():
        assert sum(run.applied for run in its_runs) == 1, f"submission {submission_id}: {its_runs}"
        for earlier, later in zip(its_runs, its_runs[1:], strict=False):
            assert earlier.finished_at <= later.started_at, f"submission {submission_id} graded twice at once"
    assert len(runs) == BACKLOG and all(s.tries == 1 for s in submissions)  # no duplicate was graded
    assert len({run.worker for run in runs}) == 2  # both workers took part
