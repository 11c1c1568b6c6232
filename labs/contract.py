"""The lab contract beyond lab.toml's own schema: what an author gets wrong and a learner pays for.

``load_spec`` stops at the first broken field; ``lint_lab`` goes further on a lab that
loads and reports every problem at once, each with its file and line:

- a check parameter the check never reads (a misspelt ``max_shared_bufers`` would silently
  grade nothing), with the nearest known name;
- a README whose "How it is graded" section promises what no check tests: hidden data the
  lab does not have, a plan node (`Seq Scan`) no plan check forbids, a threshold ("at most
  60 shared buffers") that no check parameter holds.

Parameter names come from the check modules themselves: their ``KNOWN_PARAMS`` when they
declare one, otherwise every literal key the module reads from ``params`` (read with ``ast``,
so nothing is imported and the list can never drift from the code).
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labs.checks import CHECK_MODULES
from labs.spec import HIDDEN_SEED_FILES, LabSpec, SpecError, field_line, load_spec

# Keys every check accepts: load_spec consumes type/name/weight, and checks read "hint".
COMMON_PARAMS = frozenset({"type", "name", "weight", "hint"})
GRADING_HEADINGS = ("## How it is graded", "## What is graded")
# Postgres plan node names a README may promise the grader refuses (quoted in backticks).
PLAN_NODES = (
    "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan", "Sort",
    "Incremental Sort", "Nested Loop", "Hash Join", "Merge Join", "Materialize", "Foreign Scan",
)  # fmt: skip
# "at most 60 shared buffers", "within 2 seconds", "less than 1 MB": a threshold a check must hold.
THRESHOLD = re.compile(
    r"\b(?:at most|at least|no more than|more than|less than|fewer than|within|up to|under)\s+"
    r"(\d+(?:[.,]\d+)?)\s*(?:×|x\b)?\s*(kB|KB|MB|MiB|GB|ms|s\b|seconds?|minutes?)?",
    re.IGNORECASE,
)
UNIT_FACTORS = {"kb": 1024, "mb": 1024**2, "mib": 1024**2, "gb": 1024**3, "ms": 0.001, "minute": 60, "minutes": 60}


@dataclass(frozen=True)
class ContractProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lint_lab(folder: str | Path) -> list[ContractProblem]:
    """Every contract problem of the lab in ``folder`` (a SpecError becomes one problem)."""
    try:
        spec = load_spec(folder)
    except SpecError as exc:
        return [ContractProblem(exc.path, exc.line, f"{exc.field_name}: {exc.problem}")]
    return [*check_params(spec), *readme_promises(spec)]


# --------------------------------------------------------------------------- parameters


def check_params(spec: LabSpec) -> list[ContractProblem]:
    path = spec.root / "lab.toml"
    text = path.read_text(encoding="utf-8")
    problems = []
    for check in spec.checks:
        known = known_params(check.type, spec.engine)
        if known is None:
            continue
        for key in sorted(set(check.params) - known):
            close = difflib.get_close_matches(key, sorted(known - {"type", "name", "weight"}), n=1)
            advice = f"did you mean '{close[0]}'?" if close else f"it takes {', '.join(sorted(known))}"
            problems.append(
                ContractProblem(
                    path,
                    field_line(text, f"checks[{check.index}].{key}"),
                    f"checks[{check.index}] ({check.type}, \"{check.name}\"): unknown parameter '{key}': "
                    f"the check never reads it; {advice}",
                )
            )
    return problems


@functools.cache
def known_params(check_type: str, engine: str) -> frozenset[str] | None:
    """Parameter names the check reads, or None when its module cannot be read."""
    module = CHECK_MODULES.get((check_type, engine))
    if module is None:
        return None
    source = Path(__file__).resolve().parent.parent / (module.replace(".", "/") + ".py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    return frozenset(_declared_params(tree) or _read_params(tree)) | COMMON_PARAMS


def _declared_params(tree: ast.Module) -> set[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "KNOWN_PARAMS" for t in node.targets):
            try:
                return {str(k) for k in ast.literal_eval(node.value)}
            except ValueError:
                return None
    return None


def _is_params(node: ast.AST) -> bool:
    """``params``, ``self.params``, ``check_spec.params``."""
    return (isinstance(node, ast.Name) and node.id == "params") or (
        isinstance(node, ast.Attribute) and node.attr == "params"
    )


def _read_params(tree: ast.Module) -> set[str]:
    constants = _module_constants(tree)
    loops: dict[str, set[str]] = {}  # loop variable -> the strings it takes (for rule in RULES)
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Name) and node.iter.id in constants:
            target = node.target.elts[0] if isinstance(node.target, ast.Tuple) else node.target
            if isinstance(target, ast.Name):
                loops[target.id] = constants[node.iter.id]
    found: set[str] = set()

    def add(key: ast.AST) -> None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.add(key.value)
        elif isinstance(key, ast.Name):
            found.update(loops.get(key.id, ()))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr == "get" and _is_params(node.func.value):
                add(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_params(node.value):
            add(node.slice)
        elif isinstance(node, ast.Compare) and _is_membership_in_params(node):
            add(node.left)
    return found


def _is_membership_in_params(node: ast.Compare) -> bool:
    """``"key" in params``."""
    return len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) and _is_params(node.comparators[0])


def _module_constants(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level tuples/lists/dicts whose items (or first items) are strings."""
    constants: dict[str, set[str]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        items = value.keys if isinstance(value, ast.Dict) else getattr(value, "elts", [])
        names = set()
        for item in items:
            first = item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        if names:
            constants[node.targets[0].id] = names
    return constants


# --------------------------------------------------------------------------- README


def readme_promises(spec: LabSpec) -> list[ContractProblem]:
    readme = spec.root / "README.md"
    if not readme.is_file():
        return []
    text = readme.read_text(encoding="utf-8")
    section, first_line = _grading_section(text)
    if section is None:  # a README that says nothing about grading promises nothing
        return []
    problems = []

    def problem(needle: str, message: str) -> None:
        line = first_line + section[: max(section.find(needle), 0)].count("\n")
        problems.append(ContractProblem(readme, line, message))

    hidden = re.search(r"\bhidden\b", section, re.IGNORECASE)
    if hidden and spec.hidden_seed is None:
        problem(
            hidden.group(0),
            f"promises hidden data but the lab has no {HIDDEN_SEED_FILES[spec.engine]}: add it or drop the promise",
        )
    forbidden = {
        str(rule.get("node", "")) for c in spec.checks if c.type == "plan" for rule in _as_list(c.params.get("forbid"))
    }
    for node in PLAN_NODES:
        quoted = f"`{node}`"
        for found in re.finditer(re.escape(quoted), section):
            before = section[max(0, found.start() - 40) : found.start()].lower()
            if re.search(r"\b(no|not|never|without)\b", before) and node not in forbidden:
                problem(quoted, f"promises no {quoted} in the plan, but no plan check forbids it (forbid = [...])")
    numbers = _numbers(spec.checks)
    for found in THRESHOLD.finditer(section):
        value = float(found.group(1).replace(",", "."))
        unit = (found.group(2) or "").lower()
        wanted = {value, value * UNIT_FACTORS.get(unit, 1)}
        if not any(abs(w - n) <= 1e-9 * max(1.0, abs(n)) for w in wanted for n in numbers):
            words = re.match(r"[ \w]{0,30}\b", section[found.end() :].replace("\n", " "))
            phrase = " ".join(f"{found.group(0)}{words.group(0) if words else ''}".split())
            problem(
                found.group(0),
                f"promises '{phrase}', but no check parameter holds {found.group(1)}: "
                "the README and the checks must state the same limit",
            )
    return problems


def _grading_section(text: str) -> tuple[str | None, int]:
    for heading in GRADING_HEADINGS:
        start = text.find(heading + "\n")
        if start >= 0:
            body_start = start + len(heading) + 1
            following = re.search(r"^## ", text[body_start:], re.MULTILINE)
            end = body_start + following.start() if following else len(text)
            return text[body_start:end], text.count("\n", 0, body_start) + 1
    return None, 0


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _numbers(value: Any) -> set[float]:
    """Every number among the checks' parameters (nested tables and lists included)."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, (int, float)):
        return {float(value)}
    if isinstance(value, dict):
        return set().union(*(_numbers(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_numbers(v) for v in value)) if value else set()
    if hasattr(value, "params"):
        return _numbers(value.params) | {float(value.weight)}
    return set()
