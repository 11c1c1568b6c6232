"""Read curriculum/ into plain data and validate it (the format is curriculum/FORMAT.md).

Nothing here touches the database: ``load_curriculum`` returns a ``Curriculum`` and every
problem found as a ``file:line: message`` string, so ``sync_curriculum --check`` can show
all of them at once instead of stopping at the first.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_LESSON_WORDS = 800
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FRONT_MATTER = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.DOTALL)
FENCE = re.compile(r"^(```+|~~~+)([^\n]*)\n(.*?)^\1[ \t]*$", re.DOTALL | re.MULTILINE)
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?>")  # a tag, not "price < 0 and x > 1"
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’_-]*")


@dataclass
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class OutcomeData:
    key: str
    title: str
    order: int


@dataclass
class WeekData:
    number: int
    title: str
    phase: int
    modules: list[str]
    projects: list[str]


@dataclass
class PhaseData:
    number: int
    title: str
    weeks: list[int]


@dataclass
class ModuleData:
    key: str
    title: str
    skill: int
    summary: str
    path: Path
    weeks: list[int] = field(default_factory=list)


@dataclass
class CodeBlock:
    language: str
    flags: tuple[str, ...]
    code: str
    line: int


@dataclass
class LessonData:
    key: str
    title: str
    module: str
    week: int
    order: int
    outcomes: list[str]
    summary: str
    body: str
    path: Path
    word_count: int
    code_blocks: list[CodeBlock]


@dataclass
class ProjectData:
    key: str
    title: str
    week: int
    order: int
    hours: int
    outcomes: list[str]
    summary: str
    body: str
    path: Path


@dataclass
class LabData:
    key: str
    title: str
    engine: str
    topology: str
    points: int
    time_limit: float
    lesson: str | None
    path: Path
    # "lab" or "exercise"; an exercise carries its hint ladder and the explained answer
    # (explanation.md, Markdown) that the page shows only once the learner has passed.
    kind: str = "lab"
    hints: list[str] = field(default_factory=list)
    explanation: str = ""


@dataclass
class Curriculum:
    title: str = ""
    summary: str = ""
    outcomes: list[OutcomeData] = field(default_factory=list)
    phases: list[PhaseData] = field(default_factory=list)
    weeks: list[WeekData] = field(default_factory=list)
    modules: list[ModuleData] = field(default_factory=list)
    lessons: list[LessonData] = field(default_factory=list)
    projects: list[ProjectData] = field(default_factory=list)
    labs: list[LabData] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "modules": len(self.modules),
            "lessons": len(self.lessons),
            "projects": len(self.projects),
            "weeks": len(self.weeks),
            "labs": len(self.labs),
        }


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle`` (1 when absent)."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def count_prose_words(markdown_body: str) -> int:
    """Words of teaching prose: code blocks and HTML tags do not count."""
    prose = FENCE.sub("", markdown_body)
    prose = HTML_TAG.sub(" ", prose)
    return len(WORD.findall(prose))


def extract_code_blocks(markdown_body: str, first_line: int = 1) -> list[CodeBlock]:
    blocks = []
    for match in FENCE.finditer(markdown_body):
        info = match.group(2).strip().split()
        language = info[0] if info else ""
        line = first_line + markdown_body.count("\n", 0, match.start())
        blocks.append(CodeBlock(language=language, flags=tuple(info[1:]), code=match.group(3), line=line))
    return blocks


class _Reader:
    """Collects problems while reading, so one run reports every mistake."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def toml(self, path: Path, text: str, offset: int = 0) -> dict[str, Any] | None:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # Python 3.11's TOMLDecodeError has no lineno attribute; its message has "(at line N".
            found = re.search(r"at line (\d+)", str(exc))
            line = offset + (int(found.group(1)) if found else 1)
            self.problem(path, line, f"invalid TOML: {exc}")
            return None

    def field(self, data: dict, key: str, kind: type, path: Path, text: str, line_offset: int = 0) -> Any:
        value = data.get(key)
        if value is None:
            self.problem(path, line_offset + 1, f"missing required field '{key}'")
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            line = line_offset + line_of(text, f"{key}")
            self.problem(path, line, f"field '{key}' must be {kind.__name__}, got {type(value).__name__}")
            return None
        return value

    def front_matter(self, path: Path) -> tuple[dict[str, Any], str, int, str] | None:
        """(front matter, body, line where the body starts, front matter text)."""
        text = path.read_text(encoding="utf-8")
        match = FRONT_MATTER.match(text)
        if not match:
            self.problem(path, 1, "must start with TOML front matter between '+++' lines")
            return None
        data = self.toml(path, match.group(1), offset=1)
        if data is None:
            return None
        body_start_line = text.count("\n", 0, match.end()) + 1
        return data, text[match.end() :], body_start_line, match.group(1)


def load_curriculum(root: Path) -> tuple[Curriculum, list[Problem]]:
    """Read every file under ``root``; return what loaded and every problem found."""
    reader = _Reader()
    course = Curriculum()
    course_path = root / "course.toml"
    if not course_path.is_file():
        reader.problem(course_path, 1, "course.toml not found: the curriculum folder needs one")
        return course, reader.problems
    course_text = course_path.read_text(encoding="utf-8")
    data = reader.toml(course_path, course_text)
    if data is None:
        return course, reader.problems
    course.title = reader.field(data, "title", str, course_path, course_text) or ""
    course.summary = str(data.get("summary", "")).strip()
    _read_outline(reader, course, data, course_path, course_text)
    _read_modules(reader, course, root)
    _read_lessons(reader, course, root)
    _read_projects(reader, course, root)
    _read_labs(reader, course, root)
    _cross_check(reader, course, course_path, course_text)
    return course, reader.problems


def _read_outline(reader: _Reader, course: Curriculum, data: dict, path: Path, text: str) -> None:
    for order, raw in enumerate(data.get("outcomes", []), start=1):
        key, title = raw.get("id"), raw.get("title")
        if not key or not title:
            reader.problem(path, line_of(text, "[[outcomes]]"), "every [[outcomes]] needs 'id' and 'title'")
            continue
        course.outcomes.append(OutcomeData(key=key, title=title, order=order))
    for raw in data.get("phases", []):
        course.phases.append(PhaseData(number=raw["number"], title=raw["title"], weeks=list(raw.get("weeks", []))))
    phase_of_week = {week: phase.number for phase in course.phases for week in phase.weeks}
    for raw in data.get("weeks", []):
        number = raw.get("number")
        if number not in phase_of_week:
            reader.problem(path, line_of(text, f"number = {number}"), f"week {number} belongs to no phase")
            continue
        course.weeks.append(
            WeekData(
                number=number,
                title=raw.get("title", f"Week {number}"),
                phase=phase_of_week[number],
                modules=list(raw.get("modules", [])),
                projects=list(raw.get("projects", [])),
            )
        )


def _read_modules(reader: _Reader, course: Curriculum, root: Path) -> None:
    for path in sorted((root / "modules").glob("*/module.toml")):
        text = path.read_text(encoding="utf-8")
        data = reader.toml(path, text)
        if data is None:
            continue
        key = reader.field(data, "id", str, path, text)
        title = reader.field(data, "title", str, path, text)
        skill = reader.field(data, "skill", int, path, text)
        if key is None or title is None or skill is None:
            continue
        weeks = [w.number for w in course.weeks if key in w.modules]
        course.modules.append(
            ModuleData(key=key, title=title, skill=skill, summary=data.get("summary", ""), path=path, weeks=weeks)
        )
    course.modules.sort(key=lambda m: m.skill)


def _read_lessons(reader: _Reader, course: Curriculum, root: Path) -> None:
    for module in course.modules:
        for path in sorted((module.path.parent / "lessons").glob("*.md")):
            parsed = reader.front_matter(path)
            if parsed is None:
                continue
            meta, body, body_line, meta_text = parsed
            fields = {
                "id": reader.field(meta, "id", str, path, meta_text, 1),
                "title": reader.field(meta, "title", str, path, meta_text, 1),
                "week": reader.field(meta, "week", int, path, meta_text, 1),
                "order": reader.field(meta, "order", int, path, meta_text, 1),
            }
            if None in fields.values():
                continue
            if fields["week"] not in module.weeks:
                reader.problem(
                    path,
                    1 + line_of(meta_text, "week"),
                    f"week {fields['week']} is not one of module '{module.key}' weeks {module.weeks}",
                )
            words = count_prose_words(body)
            if words < MIN_LESSON_WORDS:
                reader.problem(path, body_line, f"lesson has {words} words of prose; at least {MIN_LESSON_WORDS}")
            if "## Check yourself" not in body:
                reader.problem(path, body_line, "lesson needs a '## Check yourself' section")
            blocks = extract_code_blocks(body, body_line)
            for block in blocks:
                if not block.language:
                    reader.problem(path, block.line, "code block needs a language (```sql, ```bash ...)")
            course.lessons.append(
                LessonData(
                    key=fields["id"],
                    title=fields["title"],
                    module=module.key,
                    week=fields["week"],
                    order=fields["order"],
                    outcomes=list(meta.get("outcomes", [])),
                    summary=meta.get("summary", ""),
                    body=body,
                    path=path,
                    word_count=words,
                    code_blocks=blocks,
                )
            )


def _read_projects(reader: _Reader, course: Curriculum, root: Path) -> None:
    for path in sorted((root / "projects").glob("*/project.md")):
        parsed = reader.front_matter(path)
        if parsed is None:
            continue
        meta, body, body_line, meta_text = parsed
        fields = {
            name: reader.field(meta, name, kind, path, meta_text, 1)
            for name, kind in (("id", str), ("title", str), ("week", int), ("hours", int), ("order", int))
        }
        if None in fields.values():
            continue
        for section in ("## Goal", "## Deliverables", "## How it is graded"):
            if section not in body:
                reader.problem(path, body_line, f"project brief needs a '{section}' section")
        course.projects.append(
            ProjectData(
                key=fields["id"],
                title=fields["title"],
                week=fields["week"],
                order=fields["order"],
                hours=fields["hours"],
                outcomes=list(meta.get("outcomes", [])),
                summary=meta.get("summary", ""),
                body=body,
                path=path,
            )
        )


def _read_labs(reader: _Reader, course: Curriculum, root: Path) -> None:
    # labs.spec is the one validator of lab folders; the site reuses it rather than
    # keeping a second copy of the rules.
    from labs.contract import check_params, readme_promises
    from labs.spec import SpecError, find_labs, load_spec

    for folder in find_labs(root):
        try:
            spec = load_spec(folder)
        except SpecError as exc:
            reader.problem(exc.path, exc.line, f"{exc.field_name}: {exc.problem}")
            continue
        # Beyond the schema: parameters no check reads, README promises no check keeps.
        for found in [*check_params(spec), *readme_promises(spec)]:
            reader.problem(found.path, found.line, found.message)
        course.labs.append(
            LabData(
                key=spec.id,
                title=spec.title,
                engine=spec.engine,
                topology=spec.topology,
                points=spec.points,
                time_limit=spec.time_limit,
                lesson=spec.lesson,
                path=folder / "lab.toml",
                kind=spec.kind,
                hints=list(spec.hints),
                explanation=spec.explanation or "",
            )
        )


def _cross_check(reader: _Reader, course: Curriculum, course_path: Path, course_text: str) -> None:
    """References between files must resolve, and ids must be unique across the course."""
    module_keys = {m.key for m in course.modules}
    project_keys = {p.key for p in course.projects}
    outcome_keys = {o.key for o in course.outcomes}
    week_numbers = {w.number for w in course.weeks}
    lesson_keys = {lesson.key for lesson in course.lessons}
    for week in course.weeks:
        for key in week.modules:
            if key not in module_keys:
                reader.problem(
                    course_path, line_of(course_text, f'"{key}"'), f"week {week.number}: unknown module '{key}'"
                )
        for key in week.projects:
            if key not in project_keys:
                reader.problem(
                    course_path, line_of(course_text, f'"{key}"'), f"week {week.number}: unknown project '{key}'"
                )
    seen: dict[str, Path] = {}
    for kind, rows in (("module", course.modules), ("lesson", course.lessons), ("project", course.projects)):
        for row in rows:
            if not KEY_PATTERN.match(row.key):
                reader.problem(row.path, 2, f"id '{row.key}' must be lowercase letters, digits and dashes")
            if row.key in seen:
                reader.problem(row.path, 2, f"{kind} id '{row.key}' is already used by {seen[row.key]}")
            seen[row.key] = row.path
    for row in [*course.lessons, *course.projects]:
        for key in row.outcomes:
            if key not in outcome_keys:
                reader.problem(row.path, line_of(row.path.read_text(), "outcomes"), f"unknown outcome '{key}'")
    for project in course.projects:
        if project.week not in week_numbers:
            reader.problem(project.path, 1, f"week {project.week} is not in course.toml")
    lab_keys: dict[str, Path] = {}
    for lab in course.labs:
        if lab.key in lab_keys:
            reader.problem(lab.path, 1, f"lab id '{lab.key}' is already used by {lab_keys[lab.key]}")
        lab_keys[lab.key] = lab.path
        if lab.kind == "exercise" and not lab.lesson:
            # An exercise is shown under its lesson only: without one no page would list it.
            reader.problem(lab.path, 1, 'an exercise must name its lesson (lesson = "<lesson id>")')
        if lab.lesson and lab.lesson not in lesson_keys:
            reader.problem(lab.path, line_of(lab.path.read_text(), "lesson"), f"unknown lesson '{lab.lesson}'")
