"""Which version of a project each hand-in was graded against (the hash its verdict run
recorded), the cohort's hand-ins graded against another version than the current one, and
their regrade: each goes back to the workers as a new run, its earlier runs kept."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery

from apps.accounts.models import Cohort
from apps.courses.models import ContentVersion, Project
from apps.dashboard.versions import VersionStamp, stamp_for
from apps.projects.models import Handin, HandinRun
from apps.projects.specs import project_content_hash

log = logging.getLogger(__name__)


@dataclass
class AffectedHandin:
    handin: Handin
    stamp: VersionStamp | None  # None: graded before hand-in runs recorded a version


@dataclass
class HandinRegradePlan:
    """What a regrade of the affected hand-ins touches, shown before the instructor confirms."""

    project: Project
    handin_ids: list[int]
    learners: int
    version: VersionStamp
    synced: bool  # False: the files changed since the last sync (no diff to show for this version)

    @property
    def count(self) -> int:
        return len(self.handin_ids)


def current_project_hash(project: Project) -> str:
    """The hash a grading run would record now (the files as the workers see them), else the
    one the last sync kept."""
    return project_content_hash(project) or project.content_hash


def _project_versions(project: Project) -> list[ContentVersion]:
    return list(ContentVersion.objects.filter(key=project.key, kind="project").defer("files"))


def find_handin_version(handin: Handin) -> VersionStamp | None:
    """The version of the project the hand-in's verdict came from: the hash its newest
    graded run recorded. None when no graded run recorded one."""
    run = (
        HandinRun.objects.filter(handin=handin, outcome=HandinRun.Outcome.GRADED)
        .order_by("-started_at", "-pk")
        .values_list("project_hash", "started_at")
        .first()
    )
    if run is None or not run[0]:
        return None
    return stamp_for(handin.project.key, run[0], run[1], _project_versions(handin.project))


def find_affected_handins(cohort: Cohort, project: Project, against: str | None = None) -> list[AffectedHandin]:
    """Each learner's newest graded hand-in of ``project`` in the cohort whose verdict came
    from another version than ``against`` (default: the one a regrade uses now), or from no
    recorded version. Two queries whatever the cohort's size."""
    against = against if against is not None else current_project_hash(project)
    verdict_run = HandinRun.objects.filter(handin=OuterRef("pk"), outcome=HandinRun.Outcome.GRADED).order_by(
        "-started_at", "-pk"
    )
    handins = (
        Handin.objects.filter(project=project, learner__in=cohort.learners.all(), status=Handin.Status.DONE)
        .annotate(
            graded_hash=Subquery(verdict_run.values("project_hash")[:1]),
            graded_at=Subquery(verdict_run.values("started_at")[:1]),
        )
        .select_related("learner")
        .order_by("learner__username", "learner_id", "-version")
    )
    versions = _project_versions(project)
    affected, seen = [], set()
    for handin in handins:
        if handin.learner_id in seen:
            continue  # an older version: the learner's newest graded one is what counts
        seen.add(handin.learner_id)
        if handin.graded_hash == against:
            continue
        stamp = stamp_for(project.key, handin.graded_hash, handin.graded_at, versions) if handin.graded_hash else None
        affected.append(AffectedHandin(handin, stamp))
    return affected


def plan_handin_regrade(cohort: Cohort, project: Project) -> HandinRegradePlan:
    """The affected hand-ins, how many learners they belong to, and the version a regrade
    grades them against."""
    target = current_project_hash(project)
    affected = find_affected_handins(cohort, project, target)
    versions = _project_versions(project)
    return HandinRegradePlan(
        project=project,
        handin_ids=sorted(a.handin.pk for a in affected),
        learners=len({a.handin.learner_id for a in affected}),
        version=stamp_for(project.key, target, None, versions),
        synced=bool(versions) and versions[-1].hash == target,
    )


def regrade_handins(cohort: Cohort, project: Project, handin_ids: list[int], by) -> list[int]:
    """Grade these hand-ins again, each as a new run through the usual queue; their earlier
    runs are kept and each keeps its verdict until the new one replaces it (a regrade that
    the platform cannot run leaves it as it was). Only finished hand-ins of this project by
    learners of this cohort are touched; returns the ids sent."""
    from apps.projects.grading import enqueue_handin

    with transaction.atomic():
        ids = list(
            Handin.objects.select_for_update()
            .filter(
                pk__in=handin_ids,
                project=project,
                learner__in=cohort.learners.all(),
                status__in=[Handin.Status.DONE, Handin.Status.FAILED],
                lease_run__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # queued_at stays empty until the broker takes each one: if it is down, the sweeper sends them.
        Handin.objects.filter(pk__in=ids).update(status=Handin.Status.QUEUED, queued_at=None)
        log.info("%s regrades %d hand-in(s) of %s in cohort %s", by, len(ids), project.key, cohort.pk)
        for pk in ids:
            transaction.on_commit(lambda pk=pk: enqueue_handin(pk))
    return ids
