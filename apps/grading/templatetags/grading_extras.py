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


@register.filter
def other_problems(check: dict) -> list[str]:
    """The problems a check found beyond the one its message already states ("1 more problem,
    listed below" must be listed). Schema checks keep dicts with a message, others strings."""
    artifacts = check.get("artifacts") if isinstance(check, dict) else None
    problems = artifacts.get("problems") if isinstance(artifacts, dict) else None
    if not isinstance(problems, list):
        return []
    texts = [str(p.get("message", "")) if isinstance(p, dict) else str(p) for p in problems]
    message = str(check.get("message", ""))
    return [text for text in texts if text and not message.startswith(text)]


@register.filter
def command_log(result: dict) -> dict:
    """The learner's own commands with Redis's replies, and its error summary, taken once from
    the checks that carry them (every Redis check carries the same transcript)."""
    log: dict = {"commands": [], "errors": ""}
    for check in (result or {}).get("checks", []) if isinstance(result, dict) else []:
        artifacts = check.get("artifacts") or {}
        if not log["commands"] and isinstance(artifacts.get("commands"), list):
            log["commands"] = artifacts["commands"]
        if not log["errors"] and artifacts.get("command_errors"):
            log["errors"] = str(artifacts["command_errors"])
    if not log["errors"]:
        errors = [c for c in log["commands"] if str(c.get("reply", "")).startswith("(error)")]
        if errors:
            log["errors"] = "Redis answered errors to some of your commands: " + "; ".join(
                f"line {c.get('line')} (`{c.get('command')}`): {str(c.get('reply'))[8:]}" for c in errors[:5]
            )
    return log


@register.filter
def inline_code(text: str):
    """A hint is plain text in lab.toml; `backticked` words show as code, everything else is
    escaped (a hint may quote SQL with < and >)."""
    import re

    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    parts = re.split(r"`([^`\n]+)`", str(text))
    html = "".join(f"<code>{escape(part)}</code>" if index % 2 else escape(part) for index, part in enumerate(parts))
    return mark_safe(html)  # noqa: S308 - every part was escaped above
