from django import template

register = template.Library()

PLAN_FIELDS = (
    "Node Type",
    "Relation Name",
    "Index Name",
    "Plan Rows",
    "Actual Rows",
    "Actual Loops",
    "Total Cost",
    "Actual Total Time",
    "Shared Hit Blocks",
    "Shared Read Blocks",
    "Rows Removed by Filter",
)


@register.filter
def plan_rows(artifacts: dict) -> list[dict]:
    """A check's EXPLAIN (FORMAT JSON) as a flat list of rows with depth, for an indented tree.

    Takes the whole artifacts dict: a passing check has no ``failed_node`` (the list of child
    indexes leading to the node a check failed on), and a missing filter *argument* is an
    error in Django templates, where a missing key read here is not.
    """
    plan = artifacts.get("plan") if isinstance(artifacts, dict) else None
    failed_path = artifacts.get("failed_node") if isinstance(artifacts, dict) else None
    if isinstance(plan, list) and plan:
        plan = plan[0]
    if isinstance(plan, dict) and "Plan" in plan:
        plan = plan["Plan"]
    if not isinstance(plan, dict):
        return []
    failed = list(failed_path) if isinstance(failed_path, list) else None
    rows: list[dict] = []

    def walk(node: dict, depth: int, path: list[int]) -> None:
        row = {key.lower().replace(" ", "_"): node.get(key) for key in PLAN_FIELDS}
        row.update(depth=depth, indent=depth * 1.25, failed=failed == path)
        rows.append(row)
        for index, child in enumerate(node.get("Plans", [])):
            walk(child, depth + 1, [*path, index])

    walk(plan, 0, [])
    return rows


@register.filter
def percent(score) -> str:
    # A missing value reaches templates as None or "" (an absent key); neither is a score.
    return "–" if score is None or score == "" else f"{round(float(score) * 100)}%"
