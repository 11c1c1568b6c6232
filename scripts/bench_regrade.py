"""Regrade 1,000 graded submissions on real workers with a platform fault in 10% of them:
every earlier verdict must still be in place afterwards. Prints the counts.

Usage: .venv/bin/python scripts/bench_regrade.py [--submissions N] [--fault-share F] [--workers W]

Starts its own broker and worker(s) against a scratch SQLite file and a scratch course (two
copies of a cheap PostgreSQL lab), so it never touches var/. Every submission starts with a
verdict, as graded by an older version of its lab. Then the second copy's setup.sql is broken,
so its sandbox cannot start: a real platform fault, not a test-only switch. `manage.py
regrade_lab` queues both labs; the workers retry each fault with backoff and then give up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURE_LAB = ROOT / "tests" / "fixtures" / "site-labs" / "sql-orders-per-customer"
GOOD, BROKEN = "site-orders-per-customer", "bench-orders-broken"
EARLIER_MESSAGE = "graded by an older version of this lab"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--fault-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="indexed-bench-regrade-"))
    from tests.apps.worker import CeleryWorker, RedisBroker

    broker = RedisBroker(scratch)
    env = {
        "DJANGO_SETTINGS_MODULE": "apps.config.settings.dev",
        "CELERY_BROKER_URL": broker.url,
        "INDEXED_SQLITE_PATH": str(scratch / "bench.sqlite3"),
        "INDEXED_VAR_DIR": str(scratch / "var"),
        "INDEXED_CURRICULUM_DIR": str(scratch / "curriculum"),
    }
    os.environ.update(env)
    workers = []
    try:
        course = make_course(scratch / "curriculum")
        faulty = seed(args.submissions, args.fault_share)
        for n in range(args.workers):
            workers.append(
                CeleryWorker(broker.url, env["INDEXED_SQLITE_PATH"], course, scratch / f"worker{n}.log", env).start()
            )
        # The lab changed and now cannot start its sandbox: every regrade of it is a platform fault.
        with (course / "labs" / "broken" / "setup.sql").open("a") as setup:
            setup.write("\nCREATE TABLE half_written (\n")
        started = time.perf_counter()
        regrade_both_labs()
        wait_until_regraded(args.submissions, faulty, started + args.timeout)
        report(args, faulty, time.perf_counter() - started)
    finally:
        for worker in workers:
            worker.stop()
        broker.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def make_course(root: Path) -> Path:
    import django
    from django.core.management import call_command

    from tests.course_builder import write_course

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    write_course(root)
    shutil.copytree(FIXTURE_LAB, root / "labs" / "good")
    shutil.copytree(FIXTURE_LAB, root / "labs" / "broken")
    toml = root / "labs" / "broken" / "lab.toml"
    toml.write_text(toml.read_text().replace(f'id = "{GOOD}"', f'id = "{BROKEN}"'))
    from apps.courses.services import sync_curriculum

    sync_curriculum(root)
    return root


def seed(count: int, fault_share: float) -> int:
    """``count`` graded submissions by 100 learners; the first ``fault_share`` of them belong
    to the lab that will break. Earlier verdicts are 0.5 so that a regrade visibly moves them."""
    from apps.accounts.models import User
    from apps.courses.models import Lab
    from apps.grading.models import Submission

    solution = (FIXTURE_LAB / "solution.sql").read_text()
    wrong = (FIXTURE_LAB / "wrong" / "inner-join.sql").read_text()
    learners = User.objects.bulk_create(User(username=f"bench{i}") for i in range(100))
    good, broken = Lab.objects.get(key=GOOD), Lab.objects.get(key=BROKEN)
    faulty = round(count * fault_share)
    earlier = {"score": 0.5, "gradable": True, "status": "graded", "message": EARLIER_MESSAGE, "checks": []}
    Submission.objects.bulk_create(
        Submission(
            user=learners[i % len(learners)],
            lab=broken if i < faulty else good,
            answer=wrong if i % 3 == 0 else solution,
            status=Submission.Status.DONE,
            score=0.5,
            counted=True,
            result=earlier,
        )
        for i in range(count)
    )
    return faulty


def regrade_both_labs() -> None:
    from io import StringIO

    from django.core.management import call_command

    for lab in (GOOD, BROKEN):
        out = StringIO()
        call_command("regrade_lab", lab, stdout=out)
        print(out.getvalue().strip())


def wait_until_regraded(count: int, faulty: int, deadline: float) -> None:
    """Until every good submission has a graded regrade run and every broken one has used all
    its tries (the first and MAX_PLATFORM_RETRIES retries)."""
    from django.db.models import Count, Q

    from apps.grading.models import GradingRun, Submission
    from apps.grading.services import MAX_PLATFORM_RETRIES

    while True:
        rows = Submission.objects.annotate(
            graded=Count("runs", filter=Q(runs__purpose="regrade", runs__outcome=GradingRun.Outcome.GRADED)),
            faults=Count("runs", filter=Q(runs__purpose="regrade", runs__outcome=GradingRun.Outcome.FAULT)),
        )
        regraded = rows.filter(graded__gte=1).count()
        gave_up = rows.filter(faults__gt=MAX_PLATFORM_RETRIES).count()
        if regraded + gave_up >= count:
            return
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out: {regraded} regraded, {gave_up} given up, of {count}")
        time.sleep(1)


def report(args, faulty: int, elapsed: float) -> None:
    from apps.courses.models import Lab
    from apps.grading.models import GradingRun, Submission

    submissions = Submission.objects.all()
    broken = submissions.filter(lab=Lab.objects.get(key=BROKEN))
    good = submissions.exclude(lab__key=BROKEN)
    runs = list(GradingRun.objects.filter(purpose="regrade").order_by("submission_id", "started_at"))
    overlapping = sum(
        1
        for a, b in zip(runs, runs[1:], strict=False)
        if a.submission_id == b.submission_id and (a.finished_at is None or a.finished_at > b.started_at)
    )
    kept = broken.filter(status="done", score=0.5, result__message=EARLIER_MESSAGE).count()
    without_verdict = submissions.exclude(status="done").count() + submissions.filter(score__isnull=True).count()
    faults = sum(1 for run in runs if run.outcome == GradingRun.Outcome.FAULT)
    lines = [
        ("submissions regraded", args.submissions),
        ("with a platform fault (sandbox cannot start)", broken.count()),
        ("  their earlier verdict still in place", kept),
        ("  fault runs (first try + retries)", faults),
        ("regraded to a new verdict", good.filter(runs__purpose="regrade", runs__applied=True).distinct().count()),
        ("  of which the score changed", good.exclude(score=0.5).count()),
        ("submissions left without a verdict", without_verdict),
        ("regrade runs", len(runs)),
        ("overlapping runs of one submission", overlapping),
        ("workers", args.workers),
        ("wall time, s", f"{elapsed:.1f}"),
        ("regrades per second", f"{args.submissions / elapsed:.1f}"),
    ]
    for label, value in lines:
        print(f"{label:<48} {value:>8}")
    ok = kept == faulty and without_verdict == 0 and overlapping == 0
    print("every earlier verdict in place" if ok else "FAILED: a verdict was lost or overwritten by a fault")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
