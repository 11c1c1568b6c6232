"""Query plans drawn as trees, and two plans compared: what a learner sees of a plan.

A plan comes from a check's artifacts: PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)``
(``labs/checks/plan.py``) or MariaDB's ``EXPLAIN FORMAT=JSON`` (``labs/checks/mariadb_plan.py``).
``build_plan_view`` turns either into a tree of ``PlanNode`` with the figures a reader needs
per node; ``templates/grading/_plan.html`` draws it; ``compare_plans`` says what changed
between two plans.

Why drawn here, server-side, and not with PEV2 (``pev2`` 1.21.0 on npm, PostgreSQL license,
Vue 3), checked on its npm package: its UMD build (575 kB) plus Vue's runtime-only build
(115 kB) would pass the production Content-Security-Policy (served from 'self'; Vue's runtime
has no eval or ``Function(…)``, PEV2's one is lodash's fallback for finding the global object,
not reached in a browser), but its README requires Bootstrap 5's
stylesheet, whose global rules (reboot) would restyle every page around the plan; it reads
PostgreSQL plans only (the MariaDB labs need a drawing anyway); it has no view of two plans
compared (its users' open request); and the verdict is a fragment htmx swaps in while
grading, where a Vue app must be mounted again after each swap. A server-side tree needs no
JavaScript and no network, reads well in a narrow column, and is what the tests can check.

PostgreSQL's figures and how they are read:

* ``Actual Total Time`` is per loop and includes the node's children; ``Actual Rows`` and
  ``Plan Rows`` are per loop. A node's inclusive time is ``Actual Total Time × Actual Loops``;
  under a Gather the loops are the workers and the leader running at the same time, so the
  product is divided by their number. Exclusive time is inclusive time
  minus the children's inclusive time.
* Buffers (``Shared Hit/Read Blocks``) are totals over all loops and include the children's;
  exclusive buffers are a node's minus its children's.
* Exclusive figures are clamped at zero: an InitPlan (a CTE) is listed under the top node but
  read through a CTE Scan elsewhere, so its time can be counted under two parents.
* A misestimate is an executed node whose estimated and actual rows (per loop) differ by a
  factor of ``MISESTIMATE_FACTOR`` or more, either way (one row is the floor of both, so an
  estimate of 1 for 0 rows is not one).
* The heaviest node is the one with the most exclusive time; without timings (plain EXPLAIN),
  the most exclusive buffers; without buffers, the highest exclusive cost.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MISESTIMATE_FACTOR = 10.0
SHOWN_DETAILS = (  # per-node lines PostgreSQL prints under a node, in its order
    "Join Filter",
    "Hash Cond",
    "Merge Cond",
    "Index Cond",
    "Recheck Cond",
    "Filter",
    "Sort Key",
    "Group Key",
    "Sort Method",
    "Cache Key",
    "Heap Fetches",
)


@dataclass
class PlanNode:
    path: tuple[int, ...]
    node_type: str
    label: str  # "Index Scan using orders_customer_idx on orders"
    details: list[str] = field(default_factory=list)
    relationship: str = ""  # "InitPlan", "SubPlan", "Inner", "Outer" (PostgreSQL's Parent Relationship)
    relation: str = ""  # the table read (a Bitmap Index Scan: its Bitmap Heap Scan's table)
    plan_rows: float | None = None  # per loop
    actual_rows: float | None = None  # per loop
    loops: int | None = None
    cost: float | None = None  # total cost, inclusive
    cost_exclusive: float | None = None
    time_inclusive: float | None = None  # ms, all loops
    time_exclusive: float | None = None
    buffers_inclusive: int | None = None  # shared hit + read, all loops
    buffers_exclusive: int | None = None
    hit_inclusive: int | None = None
    read_inclusive: int | None = None
    rows_removed: int = 0  # by filter and index recheck, all loops
    temp_blocks: int = 0  # temp read + written, inclusive
    temp_exclusive: int = 0  # the spill this step did itself
    heap_fetches: int = 0
    fields: dict[str, Any] = field(default_factory=dict)  # MariaDB: the table object's scalars
    misestimate: float | None = None  # factor (≥ MISESTIMATE_FACTOR) when flagged
    misestimate_direction: str = ""  # "under" (more rows than estimated) or "over"
    heaviest: bool = False
    failed: bool = False
    share: float = 0.0  # of the whole plan's heaviness, 0..1, for the bar
    children: list[PlanNode] = field(default_factory=list)

    @property
    def never_executed(self) -> bool:
        return self.loops == 0

    @property
    def actual_rows_total(self) -> float | None:
        return None if self.actual_rows is None else self.actual_rows * (self.loops or 0)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class PlanView:
    engine: str  # "postgres" or "mariadb"
    root: PlanNode
    raw_text: str  # the plan as PostgreSQL's text format prints it (MariaDB: its JSON)
    raw_json: str
    execution_ms: float | None = None
    planning_ms: float | None = None
    measure: str = "time"  # what "heaviest" was judged by: time, buffers, cost or rows
    has_actuals: bool = False

    @property
    def nodes(self) -> list[PlanNode]:
        return list(self.root.walk())

    @property
    def heaviest(self) -> PlanNode | None:
        return next((node for node in self.root.walk() if node.heaviest), None)

    @property
    def misestimates(self) -> list[PlanNode]:
        return [node for node in self.root.walk() if node.misestimate]

    @property
    def total_buffers(self) -> int | None:
        return self.root.buffers_inclusive

    @property
    def total_rows(self) -> float | None:
        return self.root.actual_rows_total


def build_plan_view(plan: Any, failed_path: list[int] | None = None) -> PlanView | None:
    """A plan (PostgreSQL's EXPLAIN JSON list, MariaDB's EXPLAIN object, either as JSON text,
    or PostgreSQL's text format as psql prints it) as a tree, or None when it is none of them."""
    if isinstance(plan, str):
        plan = _parse_text(plan)
    if isinstance(plan, list) and plan and isinstance(plan[0], dict) and "Plan" in plan[0]:
        return _postgres_view(plan, failed_path)
    if isinstance(plan, dict) and "Plan" in plan:
        return _postgres_view([plan], failed_path)
    if isinstance(plan, dict) and "query_block" in plan:
        return _mariadb_view(plan)
    return None


def _parse_text(text: str) -> Any:
    if text.lstrip()[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return None
    from apps.grading.plan_text import parse_postgres_text

    return parse_postgres_text(text)


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_view(explained: list[dict[str, Any]], failed_path: list[int] | None) -> PlanView:
    top = explained[0]
    root = _pg_node(top["Plan"], (), workers=1)
    failed = tuple(failed_path) if isinstance(failed_path, list) else None
    for node in root.walk():
        node.failed = failed is not None and node.path == failed
    view = PlanView(
        engine="postgres",
        root=root,
        raw_text=render_postgres_text(explained),
        raw_json=json.dumps(explained, indent=2),
        execution_ms=_number(top.get("Execution Time")),
        planning_ms=_number(top.get("Planning Time")),
        has_actuals=root.loops is not None,
    )
    _mark_heaviest(view)
    return view


def _pg_node(raw: dict[str, Any], path: tuple[int, ...], workers: int) -> PlanNode:
    node_type = str(raw.get("Node Type", "?"))
    loops = _int(raw.get("Actual Loops"))
    actual_rows = _number(raw.get("Actual Rows"))
    plan_rows = _number(raw.get("Plan Rows"))
    node = PlanNode(
        path=path,
        node_type=node_type,
        label=_pg_label(raw),
        details=[f"{key}: {_detail(raw[key])}" for key in SHOWN_DETAILS if raw.get(key) not in (None, "", [])],
        relationship=str(raw.get("Parent Relationship", "")),
        relation=str(raw.get("Relation Name") or ""),
        heap_fetches=int(raw.get("Heap Fetches") or 0),
        plan_rows=plan_rows,
        actual_rows=actual_rows,
        loops=loops,
        cost=_number(raw.get("Total Cost")),
        rows_removed=int(
            ((raw.get("Rows Removed by Filter") or 0) + (raw.get("Rows Removed by Index Recheck") or 0)) * (loops or 1)
        ),
        temp_blocks=int(raw.get("Temp Read Blocks") or 0) + int(raw.get("Temp Written Blocks") or 0),
    )
    if raw.get("Subplan Name"):
        node.details.insert(0, str(raw["Subplan Name"]))
    # Under a Gather, workers and the leader ran the loops at the same time (see docstring).
    if node_type in ("Gather", "Gather Merge"):
        child_workers = int(raw.get("Workers Launched") or raw.get("Workers Planned") or 0) + 1
    else:
        child_workers = workers
    total_time = _number(raw.get("Actual Total Time"))
    if total_time is not None and loops is not None:
        node.time_inclusive = total_time * loops / max(workers, 1)
    if "Shared Hit Blocks" in raw or "Shared Read Blocks" in raw:
        node.hit_inclusive = int(raw.get("Shared Hit Blocks") or 0)
        node.read_inclusive = int(raw.get("Shared Read Blocks") or 0)
        node.buffers_inclusive = node.hit_inclusive + node.read_inclusive
    if loops and plan_rows is not None and actual_rows is not None:
        factor = max(plan_rows, actual_rows, 1.0) / max(min(plan_rows, actual_rows), 1.0)
        if factor >= MISESTIMATE_FACTOR:
            node.misestimate = factor
            node.misestimate_direction = "under" if actual_rows > plan_rows else "over"
    node.children = [
        _pg_node(child, (*path, index), child_workers) for index, child in enumerate(raw.get("Plans") or [])
    ]
    _lend_relation(node, node.relation)
    node.time_exclusive = _exclusive(node.time_inclusive, [c.time_inclusive for c in node.children])
    node.buffers_exclusive = _exclusive(node.buffers_inclusive, [c.buffers_inclusive for c in node.children])
    node.temp_exclusive = int(_exclusive(node.temp_blocks, [c.temp_blocks for c in node.children]) or 0)
    node.cost_exclusive = _exclusive(node.cost, [c.cost for c in node.children if c.relationship != "InitPlan"])
    if isinstance(node.buffers_exclusive, float):
        node.buffers_exclusive = int(node.buffers_exclusive)
    return node


def _lend_relation(node: PlanNode, relation: str) -> None:
    """Bitmap Index Scans (under BitmapAnd/BitmapOr too) name only their index: they read
    the table of the Bitmap Heap Scan above them."""
    for child in node.children:
        if child.node_type in ("Bitmap Index Scan", "BitmapAnd", "BitmapOr") and not child.relation:
            child.relation = relation
            _lend_relation(child, relation)


def _exclusive(own: float | None, children: list[float | None]) -> float | None:
    if own is None:
        return None
    return max(own - sum(c for c in children if c is not None), 0)


def _pg_label(raw: dict[str, Any]) -> str:
    label = str(raw.get("Node Type", "?"))
    if raw.get("Strategy") and raw.get("Node Type") == "Aggregate":
        label = {"Hashed": "HashAggregate", "Sorted": "GroupAggregate", "Mixed": "MixedAggregate"}.get(
            raw["Strategy"], label
        )
    if raw.get("Join Type") and raw["Join Type"] != "Inner":  # as psql names them: Hash Left Join
        join = f" {raw['Join Type']} Join"
        label = label + join if label == "Nested Loop" else label.removesuffix(" Join") + join
    if raw.get("Partial Mode") in ("Partial", "Finalize"):
        label = f"{raw['Partial Mode']} {label}"
    if raw.get("Parallel Aware"):
        label = f"Parallel {label}"
    if raw.get("Scan Direction") == "Backward":
        label += " Backward"
    if raw.get("Node Type") == "Bitmap Index Scan":  # psql prints the index where others print the table
        return f"{label} on {raw.get('Index Name', '?')}"
    if raw.get("Index Name"):
        label += f" using {raw['Index Name']}"
    if raw.get("Relation Name"):
        label += f" on {raw['Relation Name']}"
        if raw.get("Alias") and raw["Alias"] != raw["Relation Name"]:
            label += f" {raw['Alias']}"
    elif raw.get("CTE Name"):
        label += f" on {raw['CTE Name']}"
    elif raw.get("Function Name"):
        label += f" on {raw['Function Name']}"
    return label


def render_postgres_text(explained: list[dict[str, Any]]) -> str:
    """The plan in PostgreSQL's own text layout (what ``EXPLAIN (ANALYZE, BUFFERS)`` prints),
    rebuilt from its JSON: the form learners meet in psql and in lessons."""
    lines: list[str] = []

    def emit(raw: dict[str, Any], depth: int) -> None:
        # psql's layout: a child's arrow 6 columns right of its parent's, its details 6 more
        pad = " " * (6 * depth)
        arrow = "" if depth == 0 else " " * (6 * (depth - 1) + 2) + "->  "
        if raw.get("Subplan Name"):
            lines.append(" " * max(6 * depth - 4, 0) + str(raw["Subplan Name"]))
        text = f"{arrow}{_pg_label(raw)}  (cost={_fmt_cost(raw.get('Startup Cost'))}"
        text += f"..{_fmt_cost(raw.get('Total Cost'))}"
        text += f" rows={int(raw.get('Plan Rows') or 0)} width={int(raw.get('Plan Width') or 0)})"
        if raw.get("Actual Loops") == 0:
            text += " (never executed)"
        elif raw.get("Actual Loops") is not None:
            text += (
                f" (actual time={float(raw.get('Actual Startup Time') or 0):.3f}"
                f"..{float(raw.get('Actual Total Time') or 0):.3f}"
                f" rows={_fmt_rows(raw.get('Actual Rows'))} loops={int(raw['Actual Loops'])})"
            )
        lines.append(text)
        for key in SHOWN_DETAILS:
            value = raw.get(key)
            if value not in (None, "", []):
                lines.append(f"{pad}  {key}: {_detail(value)}")
        if raw.get("Rows Removed by Filter"):
            lines.append(f"{pad}  Rows Removed by Filter: {_fmt_rows(raw['Rows Removed by Filter'])}")
        buffers = _buffer_text(raw)
        if buffers:
            lines.append(f"{pad}  Buffers: {buffers}")
        for child in raw.get("Plans") or []:
            emit(child, depth + 1)

    top = explained[0]
    emit(top["Plan"], 0)
    planning = top.get("Planning")
    if isinstance(planning, dict) and _buffer_text(planning):
        lines.append(f"Planning:\n  Buffers: {_buffer_text(planning)}")
    if top.get("Planning Time") is not None:
        lines.append(f"Planning Time: {float(top['Planning Time']):.3f} ms")
    if top.get("Execution Time") is not None:
        lines.append(f"Execution Time: {float(top['Execution Time']):.3f} ms")
    return "\n".join(lines)


def _buffer_text(raw: dict[str, Any]) -> str:
    parts = []
    for kind in ("Shared", "Local", "Temp"):
        counts = [
            f"{word.lower()}={int(raw.get(f'{kind} {word} Blocks') or 0)}"
            for word in ("Hit", "Read", "Dirtied", "Written")
            if raw.get(f"{kind} {word} Blocks")
        ]
        if counts:
            parts.append(f"{kind.lower()} {' '.join(counts)}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- MariaDB

MARIADB_STEPS = {  # the objects of MariaDB's EXPLAIN FORMAT=JSON that are steps of the plan
    "query_block": "Query block",
    "table": "Table",
    "filesort": "Sort (filesort)",
    "temporary_table": "Temporary table",
    "read_sorted_file": "Read sorted rows",
    "union_result": "Union",
    "materialized": "Materialized subquery",
    "duplicates_removal": "Remove duplicates",
    "block-nl-join": "Block nested-loop join",
    "having_condition": "Having",
}


def _mariadb_view(plan: dict[str, Any]) -> PlanView:
    root = _maria_node("query_block", plan["query_block"], ())
    view = PlanView(
        engine="mariadb", root=root, raw_text=json.dumps(plan, indent=2), raw_json=json.dumps(plan, indent=2)
    )
    _mark_heaviest(view)
    return view


def _maria_node(key: str, raw: Any, path: tuple[int, ...]) -> PlanNode:
    node = PlanNode(path=path, node_type=MARIADB_STEPS.get(key, key.replace("_", " ").capitalize()), label="")
    node.label = node.node_type
    if isinstance(raw, dict):
        if key == "table":
            node.label = f"Table {raw.get('table_name', '?')}: access {raw.get('access_type', '?')}"
            if raw.get("key"):
                node.label += f" using {raw['key']}"
            node.plan_rows = _number(raw.get("rows"))
            node.relation = str(raw.get("table_name", ""))
            node.fields = {k: v for k, v in raw.items() if isinstance(v, (str, int, float, bool))}
        for name in ("sort_key", "used_key_parts", "filtered", "attached_condition", "using_index", "index_condition"):
            if raw.get(name) not in (None, "", []):
                node.details.append(f"{name.replace('_', ' ')}: {_detail(raw[name])}")
        if isinstance(raw.get("cost"), (int, float)):
            node.cost = float(raw["cost"])
    node.children = [
        _maria_node(child_key, value, (*path, index)) for index, (child_key, value) in enumerate(_maria_children(raw))
    ]
    return node


def _maria_children(raw: Any) -> list[tuple[str, Any]]:
    """The steps below one step, with lists (nested_loop, subqueries) flattened away."""
    found: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key in MARIADB_STEPS and isinstance(value, dict):
                found.append((key, value))
            elif isinstance(value, (dict, list)) and key not in ("used_key_parts", "possible_keys", "r_loops"):
                found.extend(_maria_children(value))
    elif isinstance(raw, list):
        for item in raw:
            found.extend(_maria_children(item))
    return found


# --------------------------------------------------------------------------- heaviest node


def _mark_heaviest(view: PlanView) -> None:
    nodes = view.nodes
    measures = (("time", "time_exclusive"), ("buffers", "buffers_exclusive"), ("cost", "cost_exclusive"))
    measures += (("rows", "plan_rows"),)  # MariaDB: rows the optimizer expects to read
    found = next(
        ((name, values) for name, attribute in measures if any(values := [getattr(n, attribute) for n in nodes])),
        None,
    )
    if found is None:
        return
    view.measure, values = found
    total = sum(value or 0 for value in values) or 1
    for node, value in zip(nodes, values, strict=True):
        node.share = (value or 0) / total
    heaviest = max(zip(nodes, values, strict=True), key=lambda pair: pair[1] or 0)[0]
    heaviest.heaviest = True


# --------------------------------------------------------------------------- comparison


@dataclass
class Change:
    name: str  # "Execution time"
    before: float | None
    after: float | None
    unit: str  # "ms", "buffers", "rows"
    judged: bool = True  # less is better (time, buffers); False for figures that are neither (steps)

    @property
    def summary(self) -> str:
        """ "12.4× less", "3.0× more", "same", or "" when a side is missing."""
        if self.before is None or self.after is None:
            return ""
        if self.before == self.after:
            return "same"
        low, high = sorted((self.before, self.after))
        if low <= 0:
            return "less" if self.after < self.before else "more"
        ratio = high / low
        return f"{ratio:,.1f}× {'less' if self.after < self.before else 'more'}"

    @property
    def better(self) -> bool | None:
        if not self.judged or self.before is None or self.after is None or self.before == self.after:
            return None
        return self.after < self.before


@dataclass
class PlanDiff:
    before: PlanView
    after: PlanView
    removed: list[tuple[str, int]]  # steps in before, not in after: (signature, how many)
    added: list[tuple[str, int]]
    changes: list[Change]

    @property
    def same_shape(self) -> bool:
        return not self.removed and not self.added


def node_signature(node: PlanNode) -> str:
    """What a step is, without its index name or figures: "Seq Scan on orders"."""
    if node.label.startswith("Table "):  # MariaDB: table and access type
        return node.label
    return f"{node.node_type} on {node.relation}" if node.relation else node.node_type


def compare_plans(before: PlanView, after: PlanView) -> PlanDiff:
    """What changed from one plan to the other: steps that appeared or went away, and the
    totals (time, buffers, rows, cost) before and after."""
    old = Counter(node_signature(node) for node in before.nodes)
    new = Counter(node_signature(node) for node in after.nodes)
    changes = [
        Change("Execution time", before.execution_ms, after.execution_ms, "ms"),
        Change("Shared buffers (8 kB pages)", _float(before.total_buffers), _float(after.total_buffers), "buffers"),
        Change("Rows returned", before.total_rows, after.total_rows, "rows", judged=False),
        Change("Rows read then thrown away", _removed(before), _removed(after), "rows"),
        Change("Estimated cost", before.root.cost, after.root.cost, "cost units"),
        Change("Plan steps", float(len(before.nodes)), float(len(after.nodes)), "steps", judged=False),
    ]
    return PlanDiff(
        before=before,
        after=after,
        removed=sorted((old - new).items()),
        added=sorted((new - old).items()),
        changes=[change for change in changes if change.before is not None or change.after is not None],
    )


def _removed(view: PlanView) -> float | None:
    return float(sum(node.rows_removed for node in view.nodes)) if view.has_actuals else None


# --------------------------------------------------------------------------- helpers


def _listed(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _detail(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _fmt_cost(value: Any) -> str:
    return f"{float(value or 0):.2f}"


def _fmt_rows(value: Any) -> str:
    number = float(value or 0)
    return str(int(number)) if number == int(number) else f"{number:.2f}"
