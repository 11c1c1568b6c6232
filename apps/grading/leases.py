"""Grading leases, shared by lab submissions (apps.grading.services) and project hand-ins
(apps.projects.grading).

An *owner* row (Submission, Handin) has ``lease_run``, ``leased_until``, ``tries``, ``status``,
``queued_at`` and ``created_at``; a *run* row (GradingRun, HandinRun) has ``outcome``,
``finished_at``, ``result`` and ``lease_expires_at``. The lease is what lets several workers
share one queue: only its holder writes a verdict, and a lease that expires means its worker
died, so the sweeper hands the owner on to another worker."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_is_free(now: datetime) -> Q:
    """The owners nobody holds a live lease on."""
    return Q(lease_run__isnull=True) | Q(leased_until__lte=now)


class _NotClaimed(Exception):
    pass


def take_lease(
    claimable: models.QuerySet,
    open_run: Callable[[], models.Model],
    earlier_runs: models.QuerySet,
    now: datetime,
    **changes,
) -> models.Model | None:
    """Open a run and make it the lease holder of the one owner in ``claimable``; None (and no
    run) when ``claimable`` no longer matches it.

    The lease is one conditional UPDATE (free or expired → ours) inside the transaction that
    creates the run: PostgreSQL re-checks the condition on the locked row, SQLite serialises
    writers, so of two workers exactly one wins. A status check would let both through.
    ``changes`` are written to the owner with the lease; the runs of ``earlier_runs`` still
    running (whoever held the lease before let it expire: it died) are marked lost."""
    try:
        with transaction.atomic():
            run = open_run()
            if not claimable.update(lease_run=run, leased_until=run.lease_expires_at, tries=F("tries") + 1, **changes):
                raise _NotClaimed
            earlier_runs.filter(outcome=type(run).Outcome.RUNNING).exclude(pk=run.pk).update(
                outcome=type(run).Outcome.LOST, finished_at=now
            )
    except _NotClaimed:
        return None
    return run


def store_run_result(run: models.Model, result: dict, outcome: str) -> models.Model:
    """Write a finished run's result and outcome, on the run only. A run declared lost
    meanwhile keeps that outcome (it writes no verdict), but its real end and result are
    kept: an overlap with its successor stays visible in the rows."""
    runs = type(run).objects.filter(pk=run.pk)
    runs.update(result=result, finished_at=timezone.now())
    runs.exclude(outcome=type(run).Outcome.LOST).update(outcome=outcome)
    return type(run).objects.get(pk=run.pk)


def sweep_stuck(
    owners: type[models.Model],
    runs: type[models.Model],
    now: datetime,
    dispatch_grace: float,
    *,
    on_release: Callable[[int], bool],
    enqueue: Callable[[int], None],
) -> list[int]:
    """Re-queue what a dead worker or a message that was never sent left behind, and return
    the owners sent again:

    - an owner whose lease expired: the worker holding it died. The lease is released and its
      run marked lost; ``on_release(owner_id)``, in the same transaction, says whether the
      owner goes back to the queue.
    - an owner saved but never handed to the broker (no ``queued_at``).

    An owner waiting in a long queue has neither, and is left alone: the broker delivers it,
    and sending it again would only lengthen the queue."""
    requeued = []
    expired = owners.objects.filter(lease_run__isnull=False, leased_until__lt=now)
    for owner_id, run_id in expired.values_list("pk", "lease_run_id"):
        with transaction.atomic():
            released = owners.objects.filter(pk=owner_id, lease_run_id=run_id, leased_until__lt=now).update(
                lease_run=None, leased_until=None
            )
            if not released:
                continue  # the run finished, or another took over, meanwhile
            # When it was declared lost, in real time (``now`` may be a test's future).
            runs.objects.filter(pk=run_id, outcome=runs.Outcome.RUNNING).update(
                outcome=runs.Outcome.LOST, finished_at=timezone.now()
            )
            back_to_queue = on_release(owner_id)
        if back_to_queue:
            requeued.append(owner_id)
    never_sent = owners.objects.filter(
        status=owners.Status.QUEUED,
        queued_at__isnull=True,
        lease_run__isnull=True,
        created_at__lt=now - timedelta(seconds=dispatch_grace),
    ).values_list("pk", flat=True)
    requeued += [pk for pk in never_sent if pk not in requeued]
    for owner_id in requeued:
        enqueue(owner_id)
    return requeued
