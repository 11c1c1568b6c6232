"""grade_project: every auto criterion of a project, in the brief's order, in one sandboxed
environment; partial credit and a message per criterion; a platform fault is never the learner's."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from labs.engines.postgres.settings import find_missing_binaries
from labs.projects.checks import CHECKS
from labs.projects.env_nosql import open_nosql_project
from labs.projects.env_pg import LearnerTimeout, PlatformFault, open_pg_project
from labs.projects.operations import open_ops_project
from labs.projects.result import GRADED, PLATFORM_ERROR, REJECTED, TIMEOUT, UNAVAILABLE, CriterionResult, ProjectResult
from labs.projects.spec import Criterion, ProjectSpec, check_handin, read_handin

log = logging.getLogger(__name__)


def _instructor_row(criterion: Criterion) -> CriterionResult:
    return CriterionResult(
        criterion.id,
        criterion.title,
        criterion.points,
        None,
        "instructor",
        None,
        "Graded by your instructor with the rubric.",
    )


def _ungraded(criterion: Criterion, message: str) -> CriterionResult:
    """An auto row the platform could not grade: no score, counted against nobody."""
    return CriterionResult(criterion.id, criterion.title, criterion.points, None, "auto", None, message)


def _zero(criterion: Criterion, message: str) -> CriterionResult:
    """An auto row graded and failed as a whole (rejected, out of time), with the reason."""
    return CriterionResult(criterion.id, criterion.title, criterion.points, 0.0, "auto", False, message)


def _whole(spec: ProjectSpec, status: str, message: str, gradable: bool, started: float) -> ProjectResult:
    # A rejected hand-in (gradable) scores zero on every auto row, with the reason.
    auto_row = _zero if gradable else _ungraded
    rows = [auto_row(c, message) if c.auto else _instructor_row(c) for c in spec.criteria]
    return ProjectResult(spec.id, gradable, status, rows, message, int((time.monotonic() - started) * 1000))


def grade_project(spec: ProjectSpec, handin_dir: Path) -> ProjectResult:
    """Grade the hand-in in ``handin_dir`` on every auto criterion of ``spec``."""
    started = time.monotonic()
    files = read_handin(Path(handin_dir))
    problems = check_handin(spec, files)
    if problems:
        return _whole(spec, REJECTED, "The hand-in cannot be graded yet: " + " ".join(problems), True, started)
    if spec.engine == "postgres":
        missing = find_missing_binaries()
        if missing:
            return _whole(
                spec, UNAVAILABLE, f"This installation cannot grade projects on PostgreSQL: {missing}", False, started
            )
    deadline = started + spec.time_limit
    rows: list[CriterionResult] = []
    status, gradable, message = GRADED, True, ""
    try:
        opener = {"nosql": open_nosql_project, "operational": open_ops_project}.get(
            spec.engine if spec.engine == "nosql" else spec.topology, open_pg_project
        )
        with opener(spec, deadline) as env:
            for criterion in spec.criteria:
                if not criterion.auto:
                    rows.append(_instructor_row(criterion))
                    continue
                if status == TIMEOUT:
                    rows.append(_zero(criterion, "Not graded: the project's time limit ran out before it."))
                    continue
                check = CHECKS[criterion.check]
                try:
                    award = check(env, criterion, files)
                except LearnerTimeout as exc:
                    status, message = TIMEOUT, f"The grade took longer than {spec.time_limit:.0f} s: {exc}."
                    rows.append(
                        _zero(
                            criterion,
                            f"Not finished within the time limit ({exc}). Look for a slow "
                            "statement in the files this criterion runs.",
                        )
                    )
                    continue
                except PlatformFault as exc:
                    gradable, status, message = False, PLATFORM_ERROR, str(exc)
                    rows.append(
                        _ungraded(
                            criterion,
                            f"The platform failed while grading this: {exc}. It is not "
                            "counted against you; hand in again or tell your instructor.",
                        )
                    )
                    continue
                except Exception as exc:  # a bug in a check is ours, never the learner's score
                    log.exception("project check %s failed", criterion.check)
                    gradable, status, message = False, PLATFORM_ERROR, f"{type(exc).__name__}: {exc}"
                    rows.append(
                        _ungraded(
                            criterion,
                            "The platform failed while grading this (a bug on our side); "
                            "it is not counted against you.",
                        )
                    )
                    continue
                points = max(0.0, min(float(criterion.points), round(award.points, 2)))
                rows.append(
                    CriterionResult(
                        criterion.id,
                        criterion.title,
                        criterion.points,
                        points,
                        "auto",
                        points >= criterion.points,
                        award.message,
                        award.details,
                    )
                )
    except PlatformFault as exc:
        return _whole(spec, PLATFORM_ERROR, f"The platform could not grade this hand-in: {exc}", False, started)
    return ProjectResult(spec.id, gradable, status, rows, message, int((time.monotonic() - started) * 1000))
