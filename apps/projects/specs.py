"""The site's view of a project's grading.toml, read through the Django-free runtime in
``labs.projects``. Everything here tolerates a project without one (it keeps the older
one-score grading) so an author can add a brief before its grader."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from apps.courses.models import Project
from apps.courses.versions import collect_project_files

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 600.0


@dataclass(frozen=True)
class Level:
    name: str
    points: float
    description: str = ""


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    points: float
    graded_by: str  # "auto" or "instructor"
    levels: tuple[Level, ...] = field(default_factory=tuple)

    @property
    def is_auto(self) -> bool:
        return self.graded_by == "auto"


def project_folder(project: Project) -> Path:
    return Path(settings.CURRICULUM_DIR) / Path(project.source_path).parent


def load_project_spec(project: Project):
    """The runtime's ProjectSpec, or None when the project has no grading.toml."""
    folder = project_folder(project)
    if not (folder / "grading.toml").is_file():
        return None
    from labs.projects import load_project

    return load_project(folder)


def project_content_hash(project: Project) -> str:
    """The project's content hash as the worker sees its files now: the same hash sync keeps
    as ``Project.content_hash``, so a run names the version it graded against ("" when the
    files cannot be read)."""
    try:
        return collect_project_files(project_folder(project))[0]
    except Exception:
        log.exception("could not hash the files of project %s", project.key)
        return ""


def has_grading(project: Project) -> bool:
    return (project_folder(project) / "grading.toml").is_file()


def list_criteria(project: Project) -> list[Criterion]:
    """The brief's table as rows, in its order; [] without a grading.toml (or a broken one,
    which is logged: the page still shows the brief)."""
    try:
        spec = load_project_spec(project)
    except Exception:
        log.exception("could not load grading.toml of project %s", project.key)
        return []
    if spec is None:
        return []
    rows = []
    for c in spec.criteria:
        levels = tuple(
            Level(_get(lv, "name"), float(_get(lv, "points")), _get(lv, "description", ""))
            for lv in (_get(c, "levels", ()) or ())
        )
        rows.append(Criterion(_get(c, "id"), _get(c, "title"), float(_get(c, "points")), _get(c, "graded_by"), levels))
    return rows


def _get(obj, name: str, default=None):
    """A field of a runtime object or of a plain dict (levels may be either)."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def project_time_limit(project: Project) -> float:
    try:
        spec = load_project_spec(project)
    except Exception:
        return DEFAULT_TIME_LIMIT
    return float(getattr(spec, "time_limit", None) or DEFAULT_TIME_LIMIT) if spec else DEFAULT_TIME_LIMIT


def project_checks(project: Project):
    """The hand-in limits (the site's, lowered by the project's ``[handin]``) and a function
    giving the runtime's own problems with a set of files (none without a grading.toml)."""
    from apps.projects.handins import HandinLimits

    try:
        spec = load_project_spec(project)
    except Exception:
        log.exception("could not load grading.toml of project %s", project.key)
        spec = None
    if spec is None:
        return HandinLimits(), lambda files: []
    from labs.projects import check_handin

    handin = getattr(spec, "handin", None)
    site = HandinLimits()
    limits = HandinLimits(
        max_files=min(site.max_files, int(_get(handin, "max_files", site.max_files) or site.max_files)),
        max_file_bytes=min(
            site.max_file_bytes, int(_get(handin, "max_file_bytes", site.max_file_bytes) or site.max_file_bytes)
        ),
        max_total_bytes=min(
            site.max_total_bytes, int(_get(handin, "max_total_bytes", site.max_total_bytes) or site.max_total_bytes)
        ),
    )
    return limits, lambda files: list(check_handin(spec, files))
