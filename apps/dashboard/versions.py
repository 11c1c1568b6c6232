"""What changed in a lab and whom it affects: the versions sync kept (``ContentVersion``),
the diff between two of them, the version each submission was graded against, and the
submissions of a cohort graded against an older version than the one a regrade would use."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Subquery

from apps.accounts.models import Cohort
from apps.courses.models import ContentVersion, Lab
from apps.grading.models import GradingRun, Submission

DIFF_CONTEXT = 3  # unchanged lines shown around each change, as ``diff -u`` does


@dataclass
class VersionStamp:
    """A version as a page names it: short hash and when sync first saw it (None when the
    hash was never synced: files changed on disk without a sync, or graded before versions
    were kept)."""

    hash: str
    synced_at: datetime | None = None
    version: ContentVersion | None = None

    @property
    def short(self) -> str:
        return self.hash[:8] if self.hash else "unknown"


@dataclass
class FileDiff:
    name: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, line) in unified-diff order
    added: int = 0
    removed: int = 0


@dataclass
class AffectedSubmission:
    submission: Submission
    stamp: VersionStamp | None  # None: no applied grading run (graded before runs were kept)


def list_versions(lab: Lab) -> list[ContentVersion]:
    """The lab's versions in the order sync saw them, oldest first (their files are read
    only for the two versions a diff compares)."""
    return list(ContentVersion.objects.filter(key=lab.key, kind__in=["lab", "exercise"]).defer("files"))


def list_project_versions(project) -> list[ContentVersion]:
    """A project's versions (brief, grading.toml, grading/), oldest first (the hand-ins
    graded against each: apps.projects.versions)."""
    return list(ContentVersion.objects.filter(key=project.key, kind="project").defer("files"))


def current_hash(lab: Lab) -> str:
    """The hash a grading run would record now: labs.spec's, of the files the workers read."""
    from apps.grading.services import lab_content_hash

    return lab_content_hash(lab) or lab.content_hash


def stamp_for(lab_key: str, lab_hash: str, when: datetime | None = None, versions=None) -> VersionStamp:
    """The stamp of ``lab_hash``: its newest version row synced before ``when`` (a lab that
    went back to an earlier version has that hash twice), else its first one."""
    rows = versions if versions is not None else ContentVersion.objects.filter(key=lab_key, hash=lab_hash)
    rows = [v for v in rows if v.hash == lab_hash and v.key == lab_key]
    if not rows:
        return VersionStamp(lab_hash)
    before = [v for v in rows if when is None or v.synced_at <= when]
    chosen = before[-1] if before else rows[0]
    return VersionStamp(lab_hash, chosen.synced_at, chosen)


def find_graded_version(submission: Submission) -> VersionStamp | None:
    """The version of the lab the submission's verdict came from: the hash its newest
    applied grading run recorded. None when no run wrote its verdict."""
    run = (
        GradingRun.objects.filter(submission=submission, applied=True)
        .order_by("-started_at", "-pk")
        .values_list("lab_hash", "started_at")
        .first()
    )
    if run is None:
        return None
    return stamp_for(submission.lab.key, run[0], run[1])


def diff_versions(old: ContentVersion, new: ContentVersion) -> list[FileDiff]:
    """A unified diff per file that differs between two versions (a file that appeared or
    went away diffs against nothing), in file-name order."""
    diffs = []
    for name in sorted({*old.files, *new.files}):
        before, after = old.files.get(name, ""), new.files.get(name, "")
        if before == after:
            continue
        diff = FileDiff(name)
        lines = difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            fromfile=f"{name} @ {old.short_hash}" if name in old.files else "(no file)",
            tofile=f"{name} @ {new.short_hash}" if name in new.files else "(no file)",
            n=DIFF_CONTEXT,
            lineterm="",
        )
        for line in lines:
            if line.startswith(("---", "+++")):
                kind = "head"
            elif line.startswith("@@"):
                kind = "hunk"
            elif line.startswith("+"):
                kind, diff.added = "added", diff.added + 1
            elif line.startswith("-"):
                kind, diff.removed = "removed", diff.removed + 1
            else:
                kind = "same"
            diff.lines.append((kind, line))
        diffs.append(diff)
    return diffs


def _graded_submissions(cohort: Cohort, lab: Lab):
    """The cohort's graded answers to ``lab`` that a regrade of the whole lab would touch."""
    return Submission.objects.filter(
        lab=lab,
        kind=Submission.Kind.SUBMIT,
        status__in=[Submission.Status.DONE, Submission.Status.FAILED],
        user__in=cohort.learners.all(),
    )


def find_affected_submissions(cohort: Cohort, lab: Lab, against: str | None = None) -> list[AffectedSubmission]:
    """The cohort's graded submissions of ``lab`` whose verdict came from another version
    than ``against`` (default: the version a regrade would use now), or from no recorded
    version at all. Two queries whatever the cohort's size."""
    against = against if against is not None else current_hash(lab)
    newest_applied = GradingRun.objects.filter(submission=OuterRef("pk"), applied=True).order_by("-started_at", "-pk")
    submissions = (
        _graded_submissions(cohort, lab)
        .filter(status=Submission.Status.DONE)
        .annotate(
            graded_hash=Subquery(newest_applied.values("lab_hash")[:1]),
            graded_at=Subquery(newest_applied.values("started_at")[:1]),
        )
        .select_related("user")
        .order_by("user__username", "created_at")
    )
    versions = list_versions(lab)
    affected = []
    for submission in submissions:
        if submission.graded_hash == against:
            continue
        stamp = None
        if submission.graded_hash is not None:
            stamp = stamp_for(lab.key, submission.graded_hash, submission.graded_at, versions)
        affected.append(AffectedSubmission(submission, stamp))
    return affected


@dataclass
class RegradePlan:
    """What a regrade will touch, shown before the instructor confirms it."""

    lab: Lab
    scope: str  # "all" or "affected"
    submission_ids: list[int]
    learners: int
    version: VersionStamp
    synced: bool  # False: the files changed since the last sync (no diff to show for this version)

    @property
    def count(self) -> int:
        return len(self.submission_ids)


SCOPES = ("all", "affected")


def plan_regrade(cohort: Cohort, lab: Lab, scope: str) -> RegradePlan:
    """The submissions a regrade of ``scope`` ("all" graded submissions of the cohort, or
    only the "affected" ones), how many learners they belong to, and the version they will
    be graded against."""
    if scope not in SCOPES:
        raise ValueError(f"unknown regrade scope {scope!r}")
    target = current_hash(lab)
    if scope == "affected":
        rows = [(a.submission.pk, a.submission.user_id) for a in find_affected_submissions(cohort, lab, target)]
    else:
        rows = list(_graded_submissions(cohort, lab).values_list("pk", "user_id"))
    versions = list_versions(lab)
    return RegradePlan(
        lab=lab,
        scope=scope,
        submission_ids=sorted(pk for pk, _ in rows),
        learners=len({user_id for _, user_id in rows}),
        version=stamp_for(lab.key, target, None, versions),
        synced=bool(versions) and versions[-1].hash == target,
    )
