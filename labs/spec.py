"""Read and validate a lab folder (the lab contract in ../shared/DESIGN.md).

lab.toml::

    id = "sql-top-customers"        # stable; never derived from the folder name
    title = "Top customers per country"
    engine = "postgres"             # postgres | redis | mongo | mariadb
    topology = "database"           # see TOPOLOGIES
    time_limit = 10                 # seconds for the whole attempt, wall clock
    points = 10
    lesson = "rel-window-functions" # optional: the lesson this lab practises
    requires = ["explain"]          # optional: capabilities beyond the topology's own
    answer_format = "sql"           # sql | redis | mongo | runbook (default from engine)
    [engine_options]                # optional, engine specific (row cap, seed sizes ...)

    [[checks]]
    type = "result"                 # a family in labs.checks
    name = "rows match"             # optional, shown to learners
    weight = 1                      # optional
    ...                             # every other key is the check's parameter

Every error names the file and the field, so an author can fix it without reading code.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labs.checks import known_check_types

TOPOLOGIES: dict[str, tuple[str, ...]] = {
    "postgres": ("database", "readonly", "archive", "standby", "shards"),
    "redis": ("standalone", "cluster"),
    "mongo": ("standalone", "replica_set", "sharded"),
}
ANSWER_FORMATS = {"postgres": "sql", "redis": "redis", "mongo": "mongo"}
SEED_FILES = {"postgres": "setup.sql", "redis": "seed.redis", "mongo": "seed.json"}
HIDDEN_SEED_FILES = {"postgres": "hidden.sql", "redis": "hidden.redis", "mongo": "hidden.json"}
ANSWER_SUFFIXES = {"sql": ".sql", "redis": ".redis", "mongo": ".json", "runbook": ".runbook"}
# Patroni failover drills (labs/engines/patroni): the answer is a fragment of patroni.yml.
TOPOLOGIES["patroni"] = ("cluster",)
ANSWER_FORMATS["patroni"] = "yaml"
SEED_FILES["patroni"] = "setup.sql"
HIDDEN_SEED_FILES["patroni"] = "hidden.sql"
ANSWER_SUFFIXES["yaml"] = ".yaml"
# pgBackRest labs (labs/engines/pgbackrest): a PostgreSQL primary seeded from setup.sql; the
# answer is the tool's own configuration followed by its commands. PgBouncer labs
# (labs/engines/pgbouncer): the same primary behind PgBouncer; the answer is pgbouncer.ini.
for _tool, _topology, _suffix in (("pgbackrest", "stanza", ".conf"), ("pgbouncer", "pool", ".ini")):
    TOPOLOGIES[_tool], ANSWER_FORMATS[_tool], ANSWER_SUFFIXES[_tool] = (_topology,), _tool, _suffix
    SEED_FILES[_tool], HIDDEN_SEED_FILES[_tool] = "setup.sql", "hidden.sql"
MAX_TIME_LIMIT = 600
LAB_ID = re.compile(r"[A-Za-z0-9_-]+")  # Django's <slug:...> converter, which routes lab pages
# Cassandra data models (labs/engines/cql_model): no server; the answer is CQL CREATE TABLEs,
# checked against the access patterns in lab.toml.
TOPOLOGIES["cql-model"], ANSWER_FORMATS["cql-model"], ANSWER_SUFFIXES["cql"] = ("design",), "cql", ".cql"
SEED_FILES["cql-model"], HIDDEN_SEED_FILES["cql-model"] = "seed.cql", "hidden.cql"
# MariaDB (labs/engines/mariadb): pooled servers, a cloned database per attempt, SQL answers;
# ``replication``: a primary and a replica in one box, SQL in -- @primary / -- @replica sections.
TOPOLOGIES["mariadb"] = ("database", "replication")
ANSWER_FORMATS["mariadb"] = "sql"
SEED_FILES["mariadb"] = "setup.sql"
HIDDEN_SEED_FILES["mariadb"] = "hidden.sql"
# Galera (labs/engines/galera): three wsrep nodes in one box; SQL in -- @setup / -- @increment /
# -- @lost_two_nodes sections.
TOPOLOGIES["galera"], ANSWER_FORMATS["galera"] = ("cluster",), "sql"
SEED_FILES["galera"], HIDDEN_SEED_FILES["galera"] = "setup.sql", "hidden.sql"


class SpecError(ValueError):
    """A lab folder does not follow the contract; ``str()`` reads ``file: field: problem``."""

    def __init__(self, path: Path, field_name: str, problem: str, line: int | None = None):
        self.path, self.field_name, self.problem = path, field_name, problem
        self.line = line if line is not None else _line_in(path, field_name)
        super().__init__(f"{path}: {field_name}: {problem}")


def _line_in(path: Path, field_name: str) -> int:
    """Where ``field_name`` sits in ``path`` (a lab.toml), so messages can read file:line."""
    if path.name != "lab.toml" or not path.is_file():
        return 1
    try:
        return field_line(path.read_text(encoding="utf-8"), field_name)
    except (OSError, UnicodeDecodeError):
        return 1


def field_line(text: str, field_name: str) -> int:
    """1-based line of ``checks[2].query`` (or a top-level ``id``) in a lab.toml text."""
    lines = text.splitlines()
    match = re.fullmatch(r"checks\[(\d+)\](?:\.(\w+))?", field_name)
    if not match:
        key = field_name.split(".")[0]
        for number, line in enumerate(lines, start=1):
            if line.startswith("[") and number > 1:
                break
            if re.match(rf"\s*{re.escape(key)}\s*=", line):
                return number
        return 1
    index, key = int(match.group(1)), match.group(2)
    headers = [n for n, line in enumerate(lines, start=1) if line.strip() == "[[checks]]"]
    if index >= len(headers):
        return headers[-1] if headers else 1
    start = headers[index]
    if key is None:
        return start
    end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1
    for number in range(start + 1, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[number - 1]):
            return number
    return start


@dataclass(frozen=True)
class CheckSpec:
    type: str
    name: str
    weight: float
    params: dict[str, Any]
    index: int  # position in lab.toml, for messages


@dataclass(frozen=True)
class LabSpec:
    id: str
    title: str
    engine: str
    topology: str
    time_limit: float
    points: int
    checks: tuple[CheckSpec, ...]
    root: Path
    answer_format: str
    lesson: str | None = None
    requires: tuple[str, ...] = ()
    engine_options: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    # "lab" (a multi-check assignment) or "exercise" (one question, one answer, a hint ladder
    # and an explanation shown after passing: see curriculum/FORMAT.md)
    kind: str = "lab"
    hints: tuple[str, ...] = ()  # the hint ladder: a nudge, a stronger hint, the concept

    @property
    def explanation(self) -> str | None:
        """The explained answer (explanation.md) a learner sees once they have passed."""
        return self.read("explanation.md")

    def read(self, name: str) -> str | None:
        """Text of a file in the lab folder, or None when the lab does not have it."""
        path = self.root / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    @property
    def seed(self) -> str:
        return self.read(SEED_FILES[self.engine]) or ""

    @property
    def hidden_seed(self) -> str | None:
        """The second dataset (same schema, other rows) that defeats hard-coded answers."""
        return self.read(HIDDEN_SEED_FILES[self.engine])

    @property
    def answer_suffix(self) -> str:
        return ANSWER_SUFFIXES[self.answer_format]

    @property
    def solution_path(self) -> Path:
        return self.root / f"solution{self.answer_suffix}"

    @property
    def starter(self) -> str:
        return self.read(f"starter{self.answer_suffix}") or ""

    @property
    def wrong_paths(self) -> list[Path]:
        folder = self.root / "wrong"
        return sorted(folder.glob(f"*{self.answer_suffix}")) if folder.is_dir() else []

    @property
    def right_paths(self) -> list[Path]:
        """Alternative right answers (other styles than the solution): each must score 1.0."""
        folder = self.root / "right"
        return sorted(folder.glob(f"*{self.answer_suffix}")) if folder.is_dir() else []

    def expected_catches(self) -> dict[str, str]:
        """wrong/catches.toml: answer file name -> the check (name or part of it) that must
        fail for it, or "rejected" / "timeout" for an answer refused as a whole."""
        path = self.root / "wrong" / "catches.toml"
        if not path.is_file():
            return {}
        with path.open("rb") as handle:
            return {str(k): str(v) for k, v in tomllib.load(handle).items()}

    @property
    def instructions(self) -> str:
        return self.read("README.md") or self.description

    def content_hash(self) -> str:
        """Changes whenever anything that shapes the sandbox's starting state changes."""
        digest = hashlib.sha256()
        for name in (SEED_FILES[self.engine], HIDDEN_SEED_FILES[self.engine], "lab.toml"):
            digest.update(name.encode())
            digest.update((self.read(name) or "").encode())
        return digest.hexdigest()[:16]


def load_toml(path: Path, needed_by: str) -> dict[str, Any]:
    """The TOML file at ``path``, parsed; SpecError when it is missing (``needed_by`` says who
    needs it: "a lab folder") or does not parse (with the line the parser names)."""
    if not path.is_file():
        raise SpecError(path, path.name, f"file not found: {needed_by} needs a {path.name}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise SpecError(path, "syntax", str(exc), int(found.group(1)) if found else 1) from None


def require_field(data: dict, key: str, kind: type | tuple[type, ...], path: Path, where: str = "") -> Any:
    """``data[key]``, which must be there and of ``kind`` (a boolean is never a number);
    ``where`` prefixes the field's name in the message (``checks[2].``)."""
    label = f"{where}{key}"
    if key not in data:
        raise SpecError(path, label, "is required")
    value = data[key]
    if isinstance(value, bool) and kind is not bool:
        raise SpecError(path, label, f"must be {_kind_name(kind)}, got a boolean")
    if not isinstance(value, kind):
        raise SpecError(path, label, f"must be {_kind_name(kind)}, got {type(value).__name__} {value!r}")
    return value


def string_list(data: dict, key: str, path: Path, where: str = "") -> tuple[str, ...]:
    """``data[key]`` as a tuple of non-empty strings; absent, an empty one."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SpecError(path, f"{where}{key}", f"must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


KINDS = ("lab", "exercise")


def load_spec(folder: str | Path) -> LabSpec:
    """Load ``folder/lab.toml`` and validate it; raise SpecError naming the file and field."""
    root = Path(folder).resolve()
    path = root / "lab.toml"
    data = load_toml(path, "a lab folder")

    lab_id = require_field(data, "id", str, path)
    if not LAB_ID.fullmatch(lab_id):
        # The id is a URL segment (<slug:key>): anything else, a '.' included, cannot be routed.
        raise SpecError(
            path, "id", f"{lab_id!r} cannot be part of the lab's address: use only ASCII letters, digits, '-' and '_'"
        )
    title = require_field(data, "title", str, path)
    engine = require_field(data, "engine", str, path)
    if engine not in TOPOLOGIES:
        raise SpecError(path, "engine", f"{engine!r} is not one of {', '.join(TOPOLOGIES)}")
    topology = data.get("topology", TOPOLOGIES[engine][0])
    if topology not in TOPOLOGIES[engine]:
        raise SpecError(path, "topology", f"{topology!r} is not one of {', '.join(TOPOLOGIES[engine])} for {engine}")
    time_limit = float(require_field(data, "time_limit", (int, float), path))
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise SpecError(path, "time_limit", f"must be between 0 and {MAX_TIME_LIMIT} seconds, got {time_limit}")
    points = data.get("points", 10)
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise SpecError(path, "points", f"must be a whole number ≥ 0, got {points!r}")
    answer_format = data.get("answer_format", ANSWER_FORMATS[engine])
    if answer_format not in ANSWER_SUFFIXES:
        raise SpecError(path, "answer_format", f"{answer_format!r} is not one of {', '.join(ANSWER_SUFFIXES)}")
    requires = data.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise SpecError(path, "requires", "must be a list of capability names")
    options = data.get("engine_options", {})
    if not isinstance(options, dict):
        raise SpecError(path, "engine_options", "must be a table")

    kind = data.get("kind", "lab")
    if kind not in KINDS:
        raise SpecError(path, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    hints = data.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        raise SpecError(path, "hints", "must be a list of non-empty strings, the gentlest first")
    if kind == "exercise" and len(hints) < 2:
        raise SpecError(path, "hints", "an exercise needs a hint ladder of at least two steps (a nudge, then more)")

    raw_checks = require_field(data, "checks", list, path)
    if not raw_checks:
        raise SpecError(path, "checks", "a lab needs at least one check")
    known = known_check_types(engine)
    checks = []
    for index, raw in enumerate(raw_checks):
        where = f"checks[{index}]."
        if not isinstance(raw, dict):
            raise SpecError(path, f"checks[{index}]", "must be a table ([[checks]])")
        check_type = require_field(raw, "type", str, path, where)
        if check_type not in known:
            raise SpecError(
                path, f"{where}type", f"{check_type!r} is not a check for {engine}; known: {', '.join(sorted(known))}"
            )
        weight = raw.get("weight", 1)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
            raise SpecError(path, f"{where}weight", f"must be a positive number, got {weight!r}")
        params = {k: v for k, v in raw.items() if k not in ("type", "name", "weight")}
        name = raw.get("name", check_type)
        checks.append(CheckSpec(type=check_type, name=str(name), weight=float(weight), params=params, index=index))

    spec = LabSpec(
        id=lab_id,
        title=title,
        engine=engine,
        topology=topology,
        time_limit=time_limit,
        points=points,
        checks=tuple(checks),
        root=root,
        answer_format=answer_format,
        lesson=data.get("lesson"),
        requires=tuple(requires),
        engine_options=options,
        description=str(data.get("description", "")),
        kind=kind,
        hints=tuple(hints),
    )
    if kind == "exercise" and not (root / "explanation.md").is_file():
        raise SpecError(root / "explanation.md", "explanation", "missing: an exercise explains its answer")
    if not spec.solution_path.is_file():
        missing = f"missing: every lab ships a reference solution{spec.answer_suffix}"
        raise SpecError(spec.solution_path, "solution", missing)
    return spec


def find_labs(root: str | Path) -> list[Path]:
    """Every lab folder (a folder holding lab.toml) below ``root``, sorted."""
    return sorted(p.parent for p in Path(root).rglob("lab.toml"))
