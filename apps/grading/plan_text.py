"""PostgreSQL's text EXPLAIN output read back into the JSON form ``apps.grading.plans`` draws.

The playground (and anything else that runs ``EXPLAIN (ANALYZE, BUFFERS)`` in psql's default
text format) can then show the same tree as the lab verdicts. Only what the tree uses is read:
each node's line (type, relation, index, costs, actual time, rows, loops), its Buffers line,
the rows its filter removed, the conditions it prints, and the InitPlan/SubPlan/CTE headings.
A line this reader does not know is kept as a detail of its node, never dropped.
"""

from __future__ import annotations

import re
from typing import Any

NODE = re.compile(
    r"^(?P<indent>\s*)(?:->\s+)?(?P<label>\S.*?)\s+\(cost=(?P<startup>[\d.]+)\.\.(?P<total>[\d.]+)"
    r" rows=(?P<rows>\d+) width=(?P<width>\d+)\)"
    r"(?: \(actual time=(?P<astart>[\d.]+)\.\.(?P<atotal>[\d.]+) rows=(?P<arows>[\d.]+) loops=(?P<loops>\d+)\)"
    r"| \(actual rows=(?P<arows2>[\d.]+) loops=(?P<loops2>\d+)\)| \((?P<never>never executed)\))?\s*$"
)
SUBPLAN = re.compile(r"^\s*(?P<name>(?:InitPlan|SubPlan|CTE) .+)$")
DETAIL = re.compile(r"^\s*(?P<key>[A-Z][A-Za-z /]+?): (?P<value>.*)$")
AGGREGATES = {"HashAggregate": "Hashed", "GroupAggregate": "Sorted", "MixedAggregate": "Mixed"}
JOIN_TYPES = ("Left", "Right", "Full", "Semi", "Anti", "Right Semi", "Right Anti")
TOTALS = ("Planning Time", "Execution Time")


def parse_postgres_text(text: str) -> list[dict[str, Any]] | None:
    """``EXPLAIN`` text (one line per row, as psql prints it) as ``EXPLAIN (FORMAT JSON)``'s
    list, or None when no plan node is in it."""
    top: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = []  # (column of the node's label, node)
    pending_subplan = ""
    footer = ""  # after the tree: "Planning:", "Execution Time: …" (never a node's lines)
    for line in text.splitlines():
        if not line.strip() or re.match(r"^\s*QUERY PLAN\s*$|^-+$|^\(\d+ rows?\)$", line):
            continue
        match = NODE.match(line)
        if "Plan" in top and (footer or (not match and not line[:1].isspace())):
            footer = _footer(top, line, footer)
            continue
        if match:
            node = _node(match)
            column = match.start("label")
            if pending_subplan:
                node["Subplan Name"], pending_subplan = pending_subplan, ""
                node["Parent Relationship"] = pending_subplan_kind(node["Subplan Name"])
            while stack and stack[-1][0] >= column:
                stack.pop()
            if stack:
                stack[-1][1].setdefault("Plans", []).append(node)
            elif "Plan" not in top:
                top["Plan"] = node
            else:
                return None  # two top nodes: not one plan
            stack.append((column, node))
            continue
        subplan = SUBPLAN.match(line)
        if subplan and stack:
            pending_subplan = subplan.group("name").strip()
            column = len(line) - len(line.lstrip())
            while stack and stack[-1][0] >= column:  # a heading belongs to the node left of it
                stack.pop()
            continue
        detail = DETAIL.match(line)
        key, value = (detail.group("key"), detail.group("value")) if detail else ("", line.strip())
        if key in TOTALS:
            top[key] = float(value.split()[0])
        elif stack:
            _detail(stack[-1][1], key, value, line.strip())
    return [top] if "Plan" in top else None


def _footer(top: dict[str, Any], line: str, section: str) -> str:
    """A line below the tree; returns the section it opens or continues."""
    detail = DETAIL.match(line)
    if detail and detail.group("key") in TOTALS:
        top[detail.group("key")] = float(detail.group("value").split()[0])
        return "totals"
    if not line[:1].isspace():
        return line.strip().rstrip(":") or "totals"
    if section == "Planning" and detail and detail.group("key") == "Buffers":
        _detail(top.setdefault("Planning", {}), "Buffers", detail.group("value"), line.strip())
    return section


def pending_subplan_kind(name: str) -> str:
    return "SubPlan" if name.startswith("SubPlan") else "InitPlan"


def _node(match: re.Match) -> dict[str, Any]:
    node: dict[str, Any] = {
        "Startup Cost": float(match.group("startup")),
        "Total Cost": float(match.group("total")),
        "Plan Rows": int(match.group("rows")),
        "Plan Width": int(match.group("width")),
    }
    node.update(_label(match.group("label")))
    if match.group("atotal") is not None:
        node["Actual Startup Time"] = float(match.group("astart"))
        node["Actual Total Time"] = float(match.group("atotal"))
        node["Actual Rows"] = float(match.group("arows"))
        node["Actual Loops"] = int(match.group("loops"))
    elif match.group("loops2") is not None:  # EXPLAIN (ANALYZE, TIMING OFF)
        node["Actual Rows"] = float(match.group("arows2"))
        node["Actual Loops"] = int(match.group("loops2"))
    elif match.group("never"):
        node["Actual Loops"] = 0
        node["Actual Rows"] = 0.0
    return node


def _label(label: str) -> dict[str, Any]:
    """'Index Only Scan Backward using idx on orders o' → its JSON fields."""
    fields: dict[str, Any] = {}
    on = re.search(r" on (?P<relation>\S+)(?: (?P<alias>\S+))?$", label)
    if on:
        label = label[: on.start()]
        fields["Relation Name"] = on.group("relation")
        if on.group("alias"):
            fields["Alias"] = on.group("alias")
    using = re.search(r" using (?P<index>\S+)$", label)
    if using:
        label = label[: using.start()]
        fields["Index Name"] = using.group("index")
    if label.startswith("Parallel "):
        label, fields["Parallel Aware"] = label[len("Parallel ") :], True
    for mode in ("Partial", "Finalize"):
        if label.startswith(f"{mode} "):
            label, fields["Partial Mode"] = label[len(mode) + 1 :], mode
    if label.endswith(" Backward"):
        label, fields["Scan Direction"] = label[: -len(" Backward")], "Backward"
    if label in AGGREGATES:
        fields["Strategy"], label = AGGREGATES[label], "Aggregate"
    for join in sorted(JOIN_TYPES, key=len, reverse=True):
        for base in ("Hash", "Merge", "Nested Loop"):
            if label == f"{base} {join} Join" or (base == "Nested Loop" and label == f"Nested Loop {join} Join"):
                fields["Join Type"] = join
                label = "Nested Loop" if base == "Nested Loop" else f"{base} Join"
    if label == "Bitmap Index Scan" and "Relation Name" in fields:  # "on" names its index
        fields["Index Name"] = fields.pop("Relation Name")
    if label in ("CTE Scan", "Function Scan") and "Relation Name" in fields:
        key = "CTE Name" if label == "CTE Scan" else "Function Name"
        fields[key] = fields.pop("Relation Name")
    fields["Node Type"] = label
    return fields


def _detail(node: dict[str, Any], key: str, value: str, line: str) -> None:
    if key == "Buffers":
        for kind, counts in re.findall(r"(shared|local|temp) ((?:\w+=\d+ ?)+)", value):
            for word, number in re.findall(r"(\w+)=(\d+)", counts):
                node[f"{kind.capitalize()} {word.capitalize()} Blocks"] = int(number)
    elif key in ("Rows Removed by Filter", "Rows Removed by Index Recheck", "Rows Removed by Join Filter"):
        node[key] = float(value)
    elif key == "Heap Fetches" or key in ("Workers Launched", "Workers Planned"):
        node[key] = int(value)
    elif key in ("Filter", "Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter", "Cache Key"):
        node[key] = value
    elif key in ("Sort Key", "Group Key"):
        node[key] = [part.strip() for part in value.split(", ")]
    elif key == "Sort Method":
        node[key] = value
    else:
        node.setdefault("Extra Lines", []).append(line)
