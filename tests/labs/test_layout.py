"""The shape of ``labs/``: no import circle, no module over 600 lines, no Django, a pure runbook parser.

Read from the source with ``ast`` (nothing is imported), so a new module is covered the moment
it is written.

Which imports count: every ``import labs...`` / ``from labs... import`` anywhere in a module —
at the top, inside functions (a lazy import still ties the two modules together) and inside
``if TYPE_CHECKING:`` blocks (a type-only import is still a dependency of the design, and the
circles this test exists to prevent began as "just a type"). Not counted: the implicit import of
a module's parent packages (``labs.sandbox.base`` runs ``labs/sandbox/__init__.py`` first), which
is how Python packages work, not a dependency one module chose; and modules named as strings
(``importlib.import_module`` in the engine and check registries), which is what registries are for.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path

LABS = Path(__file__).resolve().parents[2] / "labs"
MAX_LINES = 600

# Circles still to break, each with the reason it is still here. The test fails when one of
# them is gone (delete the entry) and when any other circle appears.
KNOWN_CYCLES: dict[frozenset[str], str] = {}

# Modules over MAX_LINES, each with the reason. The test fails when one of them shrinks under
# the limit (delete the entry) and when any other module grows past it.
OVERSIZED: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(LABS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def labs_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(LABS.rglob("*.py"))}


def parse_in_fresh_thread(path: Path) -> ast.Module:
    """ast.parse on a new thread: CPython 3.11 can fail a parse with "AST constructor recursion
    depth mismatch" in a thread whose recursion counter an earlier test left off balance (seen
    after tests that provoke RecursionError); a fresh thread starts with a clean counter, so this
    test's verdict does not depend on which tests ran before it in the same process."""
    parsed: list[ast.Module] = []
    worker = threading.Thread(target=lambda: parsed.append(ast.parse(path.read_text(encoding="utf-8"), str(path))))
    worker.start()
    worker.join()
    if not parsed:
        raise AssertionError(f"{path} could not be parsed (see the thread's traceback above)")
    return parsed[0]


def imported_names(path: Path) -> set[str]:
    """Every dotted name a module imports (``from a.b import c`` gives ``a.b.c`` and ``a.b``)."""
    tree = parse_in_fresh_thread(path)
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: ``from . import x`` inside labs.sandbox is labs.sandbox.x
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """labs module -> the labs modules it imports (a name inside a module maps to that module)."""
    modules = labs_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_names(path):
            if imported == "labs" or imported.startswith("labs."):
                while imported not in modules:
                    imported = imported.rpartition(".")[0]
                targets.add(imported)
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_no_import_circle_in_labs():
    found = set(cycles(import_graph()))
    new = [sorted(cycle) for cycle in found - KNOWN_CYCLES.keys()]
    assert not new, f"import circles in labs/: {new}"
    gone = [sorted(cycle) for cycle in KNOWN_CYCLES.keys() - found]
    assert not gone, f"these circles are gone: remove them from KNOWN_CYCLES: {gone}"


def test_no_module_over_600_lines():
    sizes = {
        str(path.relative_to(LABS.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in labs_modules().values()
    }
    too_long = {path: lines for path, lines in sizes.items() if lines > MAX_LINES and path not in OVERSIZED}
    assert not too_long, f"modules over {MAX_LINES} lines (split them): {too_long}"
    fixed = [path for path in OVERSIZED if sizes.get(path, 0) <= MAX_LINES]
    assert not fixed, f"no longer over {MAX_LINES} lines: remove from OVERSIZED: {fixed}"


def test_labs_never_imports_django():
    offenders = {
        name: sorted(imported for imported in imported_names(path) if imported.split(".")[0] == "django")
        for name, path in labs_modules().items()
    }
    assert not {name: found for name, found in offenders.items() if found}


def test_the_runbook_parser_is_pure():
    """Parsing a runbook (the site does it before queuing) loads nothing that starts servers."""
    loaded = reachable(import_graph(), "labs.runbook")
    assert not {name for name in loaded if name == "labs.sandbox" or name.startswith("labs.sandbox.")}


def test_the_split_engines_keep_their_old_import_paths():
    """labs.sandbox.{postgres,pg_cluster,redis,mongo} became labs.engines.*; the old paths re-export."""
    from labs.sandbox import mongo, pg_cluster, postgres, redis

    assert postgres.ENGINE.name == "postgres" and redis.ENGINE.name == "redis" and mongo.ENGINE.name == "mongo"
    assert pg_cluster.open_operational_attempt.__module__ == "labs.engines.postgres.operational"
