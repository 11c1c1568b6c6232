"""The shape a lab's plan check asks for, item by item, with whether the learner's plan has it:
what the verdict sets beside the learner's plan tree. Read from the check's lab.toml
parameters (``labs/checks/plan.py``, ``labs/checks/mariadb_plan.py``), so it says the same as
the grader without running anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.grading.plans import PlanNode, PlanView, node_signature


@dataclass
class Expectation:
    text: str  # "an index scan on orders", "no Seq Scan on orders"
    met: bool
    seen: str  # what the learner's plan has


def describe_target(view: PlanView, params: dict[str, Any], reference_buffers: int | None) -> list[Expectation]:
    if view.engine == "mariadb":
        return _mariadb_target(view, params)
    nodes = view.nodes
    found: list[Expectation] = []
    for rule in _listed(params.get("require_node")):
        rule = {"node": rule} if isinstance(rule, str) else rule
        hits = _matching(nodes, rule)
        found.append(Expectation(f"a {_describe(rule)}", bool(hits), _seen(nodes, str(rule.get("relation", "")))))
    for table in _listed(params.get("require_index")):
        relation = str(table["relation"] if isinstance(table, dict) else table)
        hits = [n for n in nodes if "Index" in n.node_type and _on(n, relation)]
        found.append(Expectation(f"an index scan on {relation}", bool(hits), _seen(nodes, relation)))
    for rule in _listed(params.get("forbid")):
        rule = {"node": rule} if isinstance(rule, str) else rule
        hits = _matching(nodes, rule)
        found.append(Expectation(f"no {_describe(rule)}", not hits, f"{len(hits)} in your plan" if hits else "none"))
    buffers = view.total_buffers
    if params.get("max_shared_buffers") is not None and buffers is not None:
        limit = int(params["max_shared_buffers"])
        found.append(Expectation(f"at most {limit:,} shared buffers", buffers <= limit, f"{buffers:,}"))
    if reference_buffers is not None and buffers is not None:
        factor = float(params.get("buffers_factor", 2.0))
        found.append(
            Expectation(
                f"about the reference solution's {reference_buffers:,} buffers (at most {factor:g}×)",
                buffers <= factor * reference_buffers + 8,  # the grader's slack for catalog noise
                f"{buffers:,}",
            )
        )
    if params.get("max_rows_removed_by_filter") is not None and view.has_actuals:
        limit = int(params["max_rows_removed_by_filter"])
        worst = max((n.rows_removed for n in nodes), default=0)
        found.append(Expectation(f"at most {limit:,} rows thrown away by a filter", worst <= limit, f"{worst:,}"))
    if params.get("max_heap_fetches") is not None:
        limit = int(params["max_heap_fetches"])
        worst = max((n.heap_fetches for n in nodes), default=0)
        found.append(Expectation(f"at most {limit:,} heap fetches", worst <= limit, f"{worst:,}"))
    if params.get("max_temp_blocks") is not None:
        limit = int(params["max_temp_blocks"])
        temp = view.root.temp_blocks
        found.append(Expectation(f"at most {limit:,} temporary blocks (no spill)", temp <= limit, f"{temp:,}"))
    for rule in _listed(params.get("estimate")):
        found.append(_estimate(nodes, rule))
    return found


def _estimate(nodes: list[PlanNode], rule: dict[str, Any]) -> Expectation:
    relation, factor = str(rule["relation"]), float(rule.get("factor", 2.0))
    scans = [n for n in nodes if "Scan" in n.node_type and n.relation and _on(n, relation) and n.loops]
    worst = 1.0
    for n in scans:
        estimated, actual = n.plan_rows or 0.0, n.actual_rows or 0.0
        worst = max(worst, max(estimated, actual) / max(min(estimated, actual), 1.0))
    text = f"row estimates on {relation} within {factor:g}× of the actual rows"
    return Expectation(text, bool(scans) and worst <= factor, f"off by {worst:,.1f}×" if scans else "not read")


def _mariadb_target(view: PlanView, params: dict[str, Any]) -> list[Expectation]:
    table = str(params.get("table", ""))
    node = next((n for n in view.nodes if n.fields.get("table_name") == table), None)
    if node is None:
        return [Expectation(f"the query reads {table}", False, "your plan does not read it")]
    access, key = str(node.fields.get("access_type", "?")), node.fields.get("key")
    found = []
    if params.get("access"):
        allowed = [str(a) for a in _listed(params["access"])]
        found.append(Expectation(f"access {' or '.join(allowed)} on {table}", access in allowed, access))
    wanted = params.get("key", "any" if params.get("access") else None)
    if wanted == "any":
        found.append(Expectation(f"an index on {table}", bool(key), str(key or "no index")))
    elif wanted == "secondary":
        found.append(Expectation("a secondary index", bool(key) and key != "PRIMARY", str(key or "no index")))
    elif wanted is not None:
        found.append(Expectation(f"the index {wanted}", key == wanted, str(key or "no index")))
    if params.get("covering"):
        covering = bool(node.fields.get("using_index"))
        found.append(Expectation("read from the index alone", covering, "yes" if covering else "reads the rows too"))
    if params.get("forbid_filesort"):
        sorts = [n for n in view.nodes if n.node_type in ("Sort (filesort)", "Read sorted rows")]
        found.append(Expectation("no filesort", not sorts, "a filesort" if sorts else "none"))
    if params.get("max_rows") is not None and node.plan_rows is not None:
        limit = float(params["max_rows"])
        found.append(Expectation(f"at most {limit:g} rows read", node.plan_rows <= limit, f"{node.plan_rows:g}"))
    return found


def _on(node: PlanNode, relation: str) -> bool:
    return node.relation.lower() == relation.lower().split(".")[-1]


def _matching(nodes: list[PlanNode], rule: dict[str, Any]) -> list[PlanNode]:
    wanted = str(rule.get("node", "")).lower()
    relation = str(rule.get("relation", ""))
    index = str(rule.get("index", "")).lower()
    return [
        n
        for n in nodes
        if (not wanted or n.node_type.lower() == wanted)
        and (not relation or _on(n, relation))
        and (not index or f" using {index}" in n.label.lower())
    ]


def _describe(rule: dict[str, Any]) -> str:
    text = str(rule.get("node", "step"))
    if rule.get("relation"):
        text += f" on {rule['relation']}"
    if rule.get("index"):
        text += f" using {rule['index']}"
    return text


def _seen(nodes: list[PlanNode], relation: str) -> str:
    relation = relation.lower().split(".")[-1]
    steps = sorted({node_signature(n) for n in nodes if not relation or n.relation.lower() == relation})
    return ", ".join(steps) or "nothing reads it"


def _listed(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
