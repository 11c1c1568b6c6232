"""A project's grading.toml: its criteria (the brief's table, in order), the hand-in rules and the
environment the auto criteria run in. ``load_project`` validates; errors name the file and field."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labs.projects.registry import CHECK_ENVIRONMENTS, ENGINES
from labs.spec import SpecError, load_toml, require_field, string_list

GRADED_BY = ("auto", "instructor")
ID = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_PROJECT_TIME_LIMIT = 600.0  # seconds: the heaviest project grade still finishes in minutes


@dataclass(frozen=True)
class Level:
    name: str
    points: int
    description: str


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    points: int
    graded_by: str
    check: str = ""  # auto: the project check that grades it (labs.projects.checks)
    files: tuple[str, ...] = ()  # auto: the hand-in files (globs) that feed it
    options: dict[str, Any] = field(default_factory=dict)
    levels: tuple[Level, ...] = ()  # instructor: the rubric, best level first

    @property
    def auto(self) -> bool:
        return self.graded_by == "auto"


@dataclass(frozen=True)
class HandinRules:
    required: tuple[str, ...]  # globs; each must match at least one file
    optional: tuple[str, ...]  # globs a hand-in may also contain; anything else is refused
    max_file_bytes: int
    max_total_bytes: int
    max_files: int
    min_matches: dict[str, int] = field(default_factory=dict)  # glob -> fewest files it must match


@dataclass(frozen=True)
class ProjectSpec:
    id: str
    root: Path
    time_limit: float
    engine: str
    topology: str
    environment: dict[str, Any]
    handin: HandinRules
    criteria: tuple[Criterion, ...]

    @property
    def auto_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.auto)

    @property
    def auto_possible(self) -> int:
        return sum(c.points for c in self.auto_criteria)


def _load_criterion(raw: Any, index: int, path: Path, known_checks: frozenset[str]) -> Criterion:
    where = f"criteria[{index}]."
    if not isinstance(raw, dict):
        raise SpecError(path, f"criteria[{index}]", "must be a table ([[criteria]])")
    cid = require_field(raw, "id", str, path, where)
    if not ID.fullmatch(cid):
        raise SpecError(path, f"{where}id", f"{cid!r}: use lowercase letters, digits and '-'")
    title = require_field(raw, "title", str, path, where)
    points = require_field(raw, "points", int, path, where)
    if points <= 0:
        raise SpecError(path, f"{where}points", f"must be a whole number above 0, got {points}")
    graded_by = require_field(raw, "graded_by", str, path, where)
    if graded_by not in GRADED_BY:
        raise SpecError(path, f"{where}graded_by", f"{graded_by!r} is not one of {', '.join(GRADED_BY)}")
    if graded_by == "instructor":
        levels_raw = require_field(raw, "levels", list, path, where)
        levels = []
        for n, level in enumerate(levels_raw):
            lw = f"{where}levels[{n}]."
            if not isinstance(level, dict):
                raise SpecError(path, f"{where}levels[{n}]", "must be a table {name, points, description}")
            levels.append(
                Level(
                    require_field(level, "name", str, path, lw),
                    require_field(level, "points", int, path, lw),
                    require_field(level, "description", str, path, lw),
                )
            )
        if len(levels) < 2:
            raise SpecError(path, f"{where}levels", "a rubric needs at least two levels")
        if levels[0].points != points:
            raise SpecError(path, f"{where}levels[0].points", f"the best level must be worth the row's {points} points")
        if any(not 0 <= lv.points <= points for lv in levels):
            raise SpecError(path, f"{where}levels", f"every level's points must lie between 0 and {points}")
        return Criterion(cid, title, points, graded_by, levels=tuple(levels))
    check = require_field(raw, "check", str, path, where)
    if check not in known_checks:
        raise SpecError(path, f"{where}check", f"{check!r} is not a project check ({', '.join(sorted(known_checks))})")
    options = raw.get("options", {})
    if not isinstance(options, dict):
        raise SpecError(path, f"{where}options", "must be a table")
    return Criterion(
        cid, title, points, graded_by, check=check, files=string_list(raw, "files", path, where), options=options
    )


def load_project(folder: str | Path) -> ProjectSpec:
    """Load ``folder/grading.toml`` and validate it; raise SpecError naming the file and field."""
    root = Path(folder).resolve()
    path = root / "grading.toml"
    data = load_toml(path, "a graded project")
    time_limit = float(require_field(data, "time_limit", (int, float), path))
    if not 0 < time_limit <= MAX_PROJECT_TIME_LIMIT:
        raise SpecError(path, "time_limit", f"must be between 0 and {MAX_PROJECT_TIME_LIMIT:.0f} seconds")
    env = require_field(data, "environment", dict, path)
    engine = require_field(env, "engine", str, path, "environment.")
    topology = require_field(env, "topology", str, path, "environment.")
    if (engine, topology) not in ENGINES:
        raise SpecError(
            path,
            "environment.topology",
            f"{engine}/{topology} is not a project environment ({', '.join('/'.join(e) for e in ENGINES)})",
        )
    for key in ("setup", "platform_sql"):
        for rel in string_list(env, key, path, "environment."):
            if not (root / rel).is_file():
                raise SpecError(path, f"environment.{key}", f"{rel}: file not found in {root.name}/")

    handin_raw = require_field(data, "handin", dict, path)
    min_matches = handin_raw.get("min_matches", {})
    if not isinstance(min_matches, dict) or not all(isinstance(v, int) and v > 0 for v in min_matches.values()):
        raise SpecError(path, "handin.min_matches", "must map a glob to a whole number above 0")
    handin = HandinRules(
        required=string_list(handin_raw, "required", path, "handin."),
        optional=string_list(handin_raw, "optional", path, "handin."),
        max_file_bytes=require_field(handin_raw, "max_file_bytes", int, path, "handin."),
        max_total_bytes=require_field(handin_raw, "max_total_bytes", int, path, "handin."),
        max_files=require_field(handin_raw, "max_files", int, path, "handin."),
        min_matches=dict(min_matches),
    )
    if not handin.required:
        raise SpecError(path, "handin.required", "a hand-in needs at least one required file")

    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise SpecError(path, "criteria", "missing: list every row of the brief's table as [[criteria]]")
    criteria = tuple(_load_criterion(raw, n, path, frozenset(CHECK_ENVIRONMENTS)) for n, raw in enumerate(raw_criteria))
    seen: set[str] = set()
    for n, criterion in enumerate(criteria):
        if criterion.id in seen:
            raise SpecError(path, f"criteria[{n}].id", f"{criterion.id!r} is used twice")
        seen.add(criterion.id)
        for pattern in criterion.files:
            if not any(_overlap(pattern, g) for g in (*handin.required, *handin.optional)):
                raise SpecError(path, f"criteria[{n}].files", f"{pattern!r} is not a hand-in file ([handin])")
    return ProjectSpec(data.get("id", root.name), root, time_limit, engine, topology, env, handin, criteria)


def _overlap(a: str, b: str) -> bool:
    """Could a file match both globs? (Good enough for the hand-in's own globs: one is usually a name.)"""
    return a == b or fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a)


def _matches(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def check_handin(spec: ProjectSpec, files: dict[str, bytes]) -> list[str]:
    """What a learner must fix before the hand-in can be graded (empty when it can be)."""
    rules = spec.handin
    problems: list[str] = []
    for name in sorted(files):
        if name.startswith("/") or ".." in Path(name).parts or "\\" in name:
            problems.append(f"{name}: file names must be relative paths inside the project folder.")
    if len(files) > rules.max_files:
        problems.append(
            f"The hand-in has {len(files)} files; at most {rules.max_files} are accepted. "
            "Hand in only the files the brief lists (no data dumps, no virtualenvs or .git folders)."
        )
    for name in sorted(files):
        size = len(files[name])
        if size > rules.max_file_bytes:
            problems.append(
                f"{name} is {_kb(size)}; a file may be at most {_kb(rules.max_file_bytes)}. "
                "Remove generated data or pasted output from it."
            )
    total = sum(len(content) for content in files.values())
    if total > rules.max_total_bytes:
        problems.append(f"The hand-in is {_kb(total)} in all; at most {_kb(rules.max_total_bytes)} are accepted.")
    for pattern in rules.required:
        if not any(_matches(name, pattern) for name in files):
            problems.append(f"Missing {pattern}: the brief's deliverables list it, so the hand-in must contain it.")
    for pattern, fewest in rules.min_matches.items():
        found = sum(1 for name in files if _matches(name, pattern))
        if found < fewest:
            problems.append(f"{pattern}: the brief asks for at least {fewest} such files, the hand-in has {found}.")
    allowed = (*rules.required, *rules.optional)
    strangers = sorted(name for name in files if not any(_matches(name, p) for p in allowed))
    if strangers:
        problems.append(
            f"Not part of this project's hand-in: {', '.join(strangers[:5])}{' …' if len(strangers) > 5 else ''}. "
            f"Accepted files: {', '.join(allowed)}."
        )
    for name in sorted(files):
        if name.endswith((".sql", ".md", ".toml", ".conf", ".lua", ".js", ".txt", ".json")):
            try:
                files[name].decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{name} is not UTF-8 text; save it as UTF-8.")
    return problems


def read_handin(handin_dir: Path) -> dict[str, bytes]:
    """Every file under ``handin_dir`` by its relative POSIX path (symlinks are not followed)."""
    files: dict[str, bytes] = {}
    for path in sorted(handin_dir.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(handin_dir).as_posix()] = path.read_bytes()
    return files


def _kb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} kB"
