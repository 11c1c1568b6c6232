"""What the shared services of a scaled-out deployment sustain: the site database and the
broker, with the sandboxes taken out of the picture.

Every grade costs the shared services the same bookkeeping whatever the lab: the submission
row, a broker message, the lease (a conditional UPDATE and a run row), the verdict (a locked
UPDATE) and the acknowledgement. This script does exactly that work, through the site's own
service functions and Celery's Redis transport, from P producer and W consumer processes
(each consumer stands for one grading process on some host, with its own database
connection), and reports verdicts per second. Grading itself (a sandbox, seconds of CPU) is
what worker hosts add; this is the ceiling they share.

    # against a running profile (make serve), in its environment:
    DJANGO_SETTINGS_MODULE=apps.config.settings.prod INDEXED_VAR_DIR=var/serve \\
        .venv/bin/python scripts/bench_scale_out.py --consumers 8 --seconds 20

It sends its messages to a queue of its own (no real worker grades them) and deletes its
user and rows at the end. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
QUEUE = f"indexed-bench-{os.getpid()}"
USER = f"bench-scale-{os.getpid()}"
LAB = "sql-top-customers"


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.config.settings.prod")
    django.setup()


def produce(deadline: float, counter) -> None:
    setup_django()
    from django.conf import settings
    from django.utils import timezone
    from kombu import Connection

    from apps.accounts.models import User
    from apps.courses.models import Lab
    from apps.grading.models import Submission

    user, lab = User.objects.get(username=USER), Lab.objects.get(key=LAB)
    with Connection(settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
        queue = conn.SimpleQueue(QUEUE)
        while time.monotonic() < deadline:
            submission = Submission.objects.create(user=user, lab=lab, answer="SELECT 1")
            queue.put({"submission_id": submission.pk})
            Submission.objects.filter(pk=submission.pk).update(queued_at=timezone.now())
            with counter.get_lock():
                counter.value += 1


def consume(deadline: float, counter, in_time) -> None:
    setup_django()
    from django.conf import settings
    from django.utils import timezone
    from kombu import Connection

    from apps.grading import services
    from apps.grading.models import GradingRun

    result = {"score": 1.0, "gradable": True, "status": "graded", "message": "bench", "checks": []}
    # Hashing the lab's files is CPU on the grading host, not work for the shared services.
    services.lab_content_hash = lambda lab: "bench"
    with Connection(settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as conn:
        queue = conn.SimpleQueue(QUEUE)
        while time.monotonic() < deadline + 60:  # then drain what is left, for a minute at most
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                if time.monotonic() >= deadline:
                    return
                continue
            run = services.claim_submission(message.payload["submission_id"])
            if run is not None:
                GradingRun.objects.filter(pk=run.pk).update(
                    result=result, finished_at=timezone.now(), outcome=GradingRun.Outcome.GRADED
                )
                services.record_verdict(GradingRun.objects.get(pk=run.pk))
                with counter.get_lock():
                    counter.value += 1
                    if time.monotonic() <= deadline:
                        in_time.value += 1
            message.ack()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--producers", type=int, default=2, help="processes submitting (the web tier)")
    parser.add_argument("--consumers", type=int, default=4, help="processes recording verdicts (grading processes)")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from apps.accounts.models import User
    from apps.grading.models import Submission

    User.objects.create_user(USER)
    connection.close()  # not shared with the forked children
    produced, verdicts, in_time = mp.Value("i", 0), mp.Value("i", 0), mp.Value("i", 0)
    start = time.monotonic()
    deadline = start + args.seconds
    procs = [mp.Process(target=produce, args=(deadline, produced)) for _ in range(args.producers)]
    procs += [mp.Process(target=consume, args=(deadline, verdicts, in_time)) for _ in range(args.consumers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    done = Submission.objects.filter(user__username=USER, status=Submission.Status.DONE).count()
    print(
        f"producers={args.producers} consumers={args.consumers} seconds={args.seconds:.0f} "
        f"submitted={produced.value} ({produced.value / args.seconds:.0f}/s) "
        f"verdicts_in_time={in_time.value} ({in_time.value / args.seconds:.0f}/s) "
        f"verdicts_after_drain={verdicts.value} rows_done={done} not_done={produced.value - done}"
    )
    User.objects.filter(username=USER).delete()


if __name__ == "__main__":
    main()
