"""Template tags that draw a check's query plan (``{% plan_tree check submission %}``) and the
figures in it; the tree itself is built by ``apps.grading.plans``."""

from __future__ import annotations

import zlib
from typing import Any

from django import template

from apps.grading.plan_target import describe_target
from apps.grading.plans import build_plan_view

register = template.Library()


@register.inclusion_tag("grading/_plan.html", takes_context=True)
def plan_tree(
    context, check: dict, submission=None, caption: str = "", target: bool = True, side: str = ""
) -> dict[str, Any]:
    """A check's plan as a tree; on a graded submission of a PostgreSQL plan check, next to the
    shape the lab asks for (unless the instructor hides expected results)."""
    artifacts = check.get("artifacts") if isinstance(check, dict) else None
    artifacts = artifacts if isinstance(artifacts, dict) else {}
    view = build_plan_view(artifacts.get("plan"), artifacts.get("failed_node"))
    if not caption:  # failed_node [] is the top step: present, though empty
        caption = "Query plan (the outlined step failed the check)" if "failed_node" in artifacts else "Query plan"
    rule = context.get("rule")
    expectations = []
    graded = submission is not None and getattr(submission, "kind", "") == "submit"
    if target and view is not None and graded and (not rule or getattr(rule, "shows_expected", True)):
        params = _check_params(submission, check)
        expectations = describe_target(view, params, artifacts.get("reference_buffers")) if params else []
    # ids unique in the page (a lab page shows a verdict; a compare page two plans)
    prefix = f"plan{side}-{getattr(submission, 'pk', 'x')}-{zlib.crc32(str(check.get('name', '')).encode()) % 100_000}"
    return {"view": view, "expectations": expectations, "caption": caption, "prefix": prefix}


@register.inclusion_tag("grading/_plan.html")
def plan_tree_of(plan: Any, caption: str = "Query plan", key: str = "") -> dict[str, Any]:
    """Any plan as a tree: EXPLAIN's JSON, or PostgreSQL's text output as psql prints it (the
    playground's ``{% plan_tree_of result.plan %}``). Draws nothing when it is not a plan."""
    view = build_plan_view(plan)
    return {"view": view, "expectations": [], "caption": caption, "prefix": f"plan-{key or 'of'}"}


def _check_params(submission, check: dict) -> dict[str, Any]:
    """The lab.toml parameters of the plan check this result came from (matched by name)."""
    from apps.grading.services import load_lab_spec

    try:
        spec = load_lab_spec(submission.lab)
    except Exception:  # noqa: BLE001 - a lab edited or removed since: show the plan without its target
        return {}
    for check_spec in spec.checks:
        if check_spec.type == "plan" and check_spec.name == check.get("name"):
            return check_spec.params
    return {}


@register.filter
def plan_ms(value: float | None) -> str:
    """Milliseconds as people read them: 0.021 ms, 2.74 ms, 1,204 ms."""
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value:.3f} ms"


@register.filter
def plan_number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value) == int(value) or abs(value) >= 100 else f"{value:,.2f}"


@register.filter
def plan_percent(share: float | None) -> str:
    return f"{round((share or 0) * 100)}%"


@register.filter
def plan_factor(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}×"


@register.filter
def plan_measure(measure: str) -> str:
    return {
        "time": "the query's own time",
        "buffers": "the buffers read",
        "cost": "the estimated cost",
        "rows": "the rows the optimizer expects to read",
    }.get(measure, measure)


@register.filter
def has_plan(result: Any) -> bool:
    """Does a submission's result carry a plan to draw?"""
    checks = result.get("checks", []) if isinstance(result, dict) else []
    return any(isinstance(c, dict) and (c.get("artifacts") or {}).get("plan") for c in checks)
