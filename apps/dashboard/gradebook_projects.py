"""The gradebook's project side: rubric cells read from hand-ins and assessments, and each
project's points (its rubric's, else the brief's "How it is graded" table)."""

from __future__ import annotations

import re

from apps.accounts.models import Cohort
from apps.courses.models import Project

# A project with neither a grading.toml nor points in its brief is graded in percent.
PROJECT_POINTS = 100
GRADED_SECTION = re.compile(r"^## How it is graded\s*$(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def brief_points(body: str) -> float | None:
    """The sum of the "Points" column of the table under the brief's "## How it is graded",
    or None when the brief has no such table (or a row's points are not a number)."""
    section = GRADED_SECTION.search(body or "")
    if section is None:
        return None
    rows = [
        line.strip().strip("|").split("|") for line in section.group(1).splitlines() if line.strip().startswith("|")
    ]
    if len(rows) < 3:
        return None
    header = [cell.strip().lower() for cell in rows[0]]
    if "points" not in header:
        return None
    column = header.index("points")
    total = 0.0
    for row in rows[2:]:  # after the header and the |---| line
        try:
            total += float(row[column].strip())
        except (IndexError, ValueError):
            return None
    return total or None


def project_points(project: Project, criteria: list) -> float:
    """What ``project`` is worth: its rubric's total, else its brief's, else 100 (percent)."""
    if criteria:
        return sum(c.points for c in criteria)
    return brief_points(project.body) or PROJECT_POINTS


def rubric_criteria(project: Project) -> list:
    from apps.projects.specs import list_criteria

    return list_criteria(project)


def build_rubric_cells(
    cohort: Cohort, projects: list[Project], criteria: dict, learner_ids, project_due: dict, cell_class
) -> dict:
    """(learner id, project id) -> ``cell_class`` (gradebook.ProjectCell) for projects graded
    by rubric, in two queries whatever the cohort's size (none when no project has a
    grading.toml)."""
    from django.db.models import OuterRef, Subquery

    from apps.projects.models import CriterionMark, Handin, ProjectExtension

    graded = [pk for pk, rows in criteria.items() if rows]
    if not graded:
        return {}
    by_id = {p.pk: p for p in projects}
    extension = ProjectExtension.objects.filter(cohort=cohort, learner=OuterRef("learner"), project=OuterRef("project"))
    handins = (
        Handin.objects.filter(learner_id__in=learner_ids, project_id__in=graded)
        .annotate(extended_to=Subquery(extension.values("due_at")[:1]))
        .values_list("pk", "learner_id", "project_id", "version", "created_at", "status", "result", "extended_to")
        .order_by("version")
    )
    by_pk: dict[int, tuple] = {}
    newest: dict[tuple[int, int], tuple] = {}
    newest_graded: dict[tuple[int, int], tuple] = {}
    for handin in handins.iterator(chunk_size=2000):
        by_pk[handin[0]] = handin
        newest[(handin[1], handin[2])] = handin
        if handin[5] == Handin.Status.DONE:
            newest_graded[(handin[1], handin[2])] = handin
    marks: dict[tuple[int, int], dict] = {}
    mark_rows = CriterionMark.objects.filter(assessment__cohort=cohort, assessment__project_id__in=graded).values_list(
        "assessment__learner_id",
        "assessment__project_id",
        "assessment__handin_id",
        "assessment__released_at",
        "criterion",
        "points",
        "overridden",
    )
    for learner_id, project_id, handin_id, released_at, criterion, points, overridden in mark_rows:
        entry = marks.setdefault((learner_id, project_id), {"handin": handin_id, "released": released_at, "rows": {}})
        entry["rows"][criterion] = (points, overridden)
    cells = {}
    for key in {*newest, *marks}:
        learner_id, project_id = key
        assessed = marks.get(key)
        handin = by_pk.get(assessed["handin"]) if assessed else newest_graded.get(key) or newest.get(key)
        auto = {c["id"]: c.get("points_awarded") for c in ((handin[6] or {}).get("criteria", []) if handin else [])}
        if handin and handin[5] != Handin.Status.DONE:
            auto = {}
        points: dict[str, float | None] = {}
        for criterion in criteria[project_id]:
            mark = (assessed or {}).get("rows", {}).get(criterion.id)
            if criterion.is_auto and not (mark and mark[1]):
                points[criterion.id] = auto.get(criterion.id)
            else:
                points[criterion.id] = mark[0] if mark else None
        due = (handin[7] or project_due.get(project_id)) if handin else None
        cells[key] = cell_class(
            by_id[project_id],
            None,
            bool(handin and due and handin[4] > due),
            criteria=criteria[project_id],
            points=points,
            assessed=bool(assessed),
            released=bool(assessed and assessed["released"]),
            version=handin[3] if handin else None,
        )
    return cells
