"""Content versions at sync: each lab's, exercise's and project's graded files, hashed and
kept (``ContentVersion``) whenever they change, so instructors can later see what a
learner was graded against and what changed since."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.utils import timezone

from apps.courses.models import ContentVersion

# Above this a data file is kept as its size and digest: the diff then says it changed
# without storing megabytes of generated rows at every sync.
MAX_KEPT_BYTES = 64_000
# Besides the files labs.spec hashes (lab.toml, the seed and the hidden seed), a version keeps
# the learner's instructions, so the diff also shows what the learner was told.
LAB_EXTRA_FILES = ("README.md",)


def describe_file(data: bytes) -> str:
    """A file's content as a version keeps it: its text, or for a large or binary file one
    line with its size and digest (so a change still shows in the diff)."""
    if len(data) <= MAX_KEPT_BYTES:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return f"({len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()})\n"


def collect_lab_files(folder: Path) -> tuple[str, dict[str, str]]:
    """(content hash, files) of a lab folder. The hash is labs.spec's, the one a grading run
    records, so a run's ``lab_hash`` names the version it was graded against."""
    from labs.spec import HIDDEN_SEED_FILES, SEED_FILES, load_spec

    spec = load_spec(folder)
    files = {}
    for name in ("lab.toml", SEED_FILES[spec.engine], HIDDEN_SEED_FILES[spec.engine], *LAB_EXTRA_FILES):
        path = spec.root / name
        if path.is_file():
            files[name] = describe_file(path.read_bytes())
    return spec.content_hash(), files


def collect_project_files(folder: Path) -> tuple[str, dict[str, str]]:
    """(content hash, files) of a project: its brief, grading.toml and everything under
    grading/ (the labs and data its auto criteria run on)."""
    paths = [folder / "project.md", folder / "grading.toml"]
    if (folder / "grading").is_dir():
        paths += sorted(p for p in (folder / "grading").rglob("*") if p.is_file())
    digest = hashlib.sha256()
    files = {}
    for path in paths:
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        files[name] = describe_file(data)
    return digest.hexdigest()[:16], files


def record_version(kind: str, key: str, content_hash: str, files: dict[str, str], now=None) -> bool:
    """Keep this version unless it is already the newest one of ``key``; True when added.

    The files count too, not only the hash: a lab's hash is the grading one, which leaves out
    its README, and an edit of what learners are told must still show in the history (as a
    version with the same hash, so no verdict counts as graded against an older version)."""
    newest = ContentVersion.objects.filter(kind=kind, key=key).order_by("-synced_at", "-pk").first()
    if newest is not None and newest.hash == content_hash and newest.files == files:
        return False
    ContentVersion.objects.create(kind=kind, key=key, hash=content_hash, files=files, synced_at=now or timezone.now())
    return True
