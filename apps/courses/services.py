"""Verb-first services for course content and progress; views stay thin."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.courses.loader import Curriculum, Problem, load_curriculum
from apps.courses.models import Lab, Lesson, LessonCompletion, Module, Outcome, Phase, Project, Week
from apps.courses.versions import collect_lab_files, collect_project_files, record_version


class CurriculumInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SyncReport:
    counts: dict[str, int]
    created: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)

    def note(self, bucket: dict[str, list[str]], kind: str, key: str) -> None:
        bucket.setdefault(kind, []).append(key)

    @property
    def has_changes(self) -> bool:
        return any(self.created.values()) or any(self.changed.values()) or any(self.retired.values())


def check_curriculum(root: Path | None = None) -> tuple[Curriculum, list[Problem]]:
    return load_curriculum(Path(root or settings.CURRICULUM_DIR))


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _upsert(model, report: SyncReport, kind: str, lookup: dict, values: dict, m2m: dict | None = None):
    """Create or update one row; record it only when something actually differs."""
    key = str(next(iter(lookup.values())))
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model.objects.create(**lookup, **values)
        report.note(report.created, kind, key)
    else:
        dirty = [name for name, value in values.items() if getattr(row, name) != value]
        if dirty:
            for name in dirty:
                setattr(row, name, values[name])
            row.save(update_fields=dirty)
            report.note(report.changed, kind, key)
    for name, wanted in (m2m or {}).items():
        manager = getattr(row, name)
        wanted_ids = {obj.pk for obj in wanted}
        if set(manager.values_list("pk", flat=True)) != wanted_ids:
            manager.set(wanted_ids)
            if key not in report.created.get(kind, []):
                report.note(report.changed, kind, key)
    return row


def _retire_missing(model, report: SyncReport, kind: str, keep: set[str]) -> None:
    for row in model.objects.filter(retired=False).exclude(key__in=keep):
        row.retired = True
        row.save(update_fields=["retired"])
        report.note(report.retired, kind, row.key)


@transaction.atomic
def sync_curriculum(root: Path | None = None) -> SyncReport:
    """Make the database match the curriculum files, matching rows by their stable id.

    Idempotent: a second run reports no changes. Rows whose files vanished are retired,
    never deleted, so learners keep their progress when content moves or is withdrawn.
    """
    root = Path(root or settings.CURRICULUM_DIR)
    course, problems = load_curriculum(root)
    if problems:
        raise CurriculumInvalid(problems)
    report = SyncReport(counts=course.counts())

    outcomes = {
        o.key: _upsert(Outcome, report, "outcomes", {"key": o.key}, {"title": o.title, "order": o.order})
        for o in course.outcomes
    }
    phases = {
        p.number: _upsert(Phase, report, "phases", {"number": p.number}, {"title": p.title}) for p in course.phases
    }
    weeks = {
        w.number: _upsert(Week, report, "weeks", {"number": w.number}, {"title": w.title, "phase": phases[w.phase]})
        for w in course.weeks
    }
    modules = {}
    for m in course.modules:
        values = {
            "title": m.title,
            "skill": m.skill,
            "summary": m.summary,
            "source_path": _relative(m.path, root),
            "retired": False,
        }
        modules[m.key] = _upsert(
            Module, report, "modules", {"key": m.key}, values, {"weeks": [weeks[n] for n in m.weeks]}
        )
    lessons = {}
    for lesson in course.lessons:
        values = {
            "title": lesson.title,
            "module": modules[lesson.module],
            "week": weeks[lesson.week],
            "order": lesson.order,
            "summary": lesson.summary,
            "body": lesson.body,
            "word_count": lesson.word_count,
            "source_path": _relative(lesson.path, root),
            "retired": False,
        }
        lessons[lesson.key] = _upsert(
            Lesson, report, "lessons", {"key": lesson.key}, values, {"outcomes": [outcomes[k] for k in lesson.outcomes]}
        )
    for project in course.projects:
        project_hash, project_files = collect_project_files(project.path.parent)
        record_version("project", project.key, project_hash, project_files)
        values = {
            "content_hash": project_hash,
            "title": project.title,
            "week": weeks[project.week],
            "order": project.order,
            "hours": project.hours,
            "summary": project.summary,
            "body": project.body,
            "source_path": _relative(project.path, root),
            "retired": False,
        }
        _upsert(
            Project,
            report,
            "projects",
            {"key": project.key},
            values,
            {"outcomes": [outcomes[k] for k in project.outcomes]},
        )
    for lab in course.labs:
        # Every version is kept, so an instructor can see what changed after learners were graded.
        lab_hash, lab_files = collect_lab_files(lab.path.parent)
        record_version(lab.kind, lab.key, lab_hash, lab_files)
        values = {
            "content_hash": lab_hash,
            "title": lab.title,
            "engine": lab.engine,
            "topology": lab.topology,
            "points": lab.points,
            "time_limit": lab.time_limit,
            "lesson": lessons.get(lab.lesson) if lab.lesson else None,
            "kind": lab.kind,
            "hints": lab.hints,
            "explanation": lab.explanation,
            "source_path": _relative(lab.path.parent, root),
            "retired": False,
        }
        _upsert(Lab, report, "labs", {"key": lab.key}, values)

    _retire_missing(Module, report, "modules", {m.key for m in course.modules})
    _retire_missing(Lesson, report, "lessons", {lesson.key for lesson in course.lessons})
    _retire_missing(Project, report, "projects", {p.key for p in course.projects})
    _retire_missing(Lab, report, "labs", {lab.key for lab in course.labs})
    return report


def mark_lesson_done(user, lesson: Lesson) -> LessonCompletion:
    """Idempotent: marking twice (a double click, a replayed form) keeps one completion."""
    try:
        with transaction.atomic():
            completion, _ = LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    except IntegrityError:  # a concurrent request won the race
        completion = LessonCompletion.objects.get(user=user, lesson=lesson)
    return completion


def mark_lesson_not_done(user, lesson: Lesson) -> None:
    LessonCompletion.objects.filter(user=user, lesson=lesson).delete()


def summarize_progress(user, lessons=None) -> dict:
    """Done/total per module and per outcome for one learner, from two queries."""
    lessons = list(
        lessons
        if lessons is not None
        else Lesson.objects.filter(retired=False).select_related("module").prefetch_related("outcomes")
    )
    done_ids = set(LessonCompletion.objects.filter(user=user).values_list("lesson_id", flat=True))
    modules: dict[int, dict] = {}
    outcomes: dict[int, dict] = {}
    for lesson in lessons:
        is_done = lesson.pk in done_ids
        entry = modules.setdefault(lesson.module_id, {"module": lesson.module, "done": 0, "total": 0})
        entry["total"] += 1
        entry["done"] += is_done
        for outcome in lesson.outcomes.all():
            entry = outcomes.setdefault(outcome.pk, {"outcome": outcome, "done": 0, "total": 0})
            entry["total"] += 1
            entry["done"] += is_done
    for entry in [*modules.values(), *outcomes.values()]:
        entry["percent"] = round(100 * entry["done"] / entry["total"]) if entry["total"] else 0
    total = len(lessons)
    done = sum(1 for lesson in lessons if lesson.pk in done_ids)
    return {
        "done_ids": done_ids,
        "modules": list(modules.values()),
        "outcomes": sorted(outcomes.values(), key=lambda e: e["outcome"].order),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
    }


def combine_progress(progress: dict, practice) -> int:
    """One overall percent: lessons read and graded items (labs, exercises) passed, each
    counting once, so passing labs moves it as much as reading lessons does."""
    done = progress["done"] + practice.overall.passed
    total = progress["total"] + practice.overall.total
    return round(100 * done / total) if total else 0
