"""The page that compares two of a learner's own submissions' plans on one lab (before and
after an index), built from their stored verdicts; ``apps.grading.plans`` draws and diffs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from apps.courses.models import Lab
from apps.grading.models import Submission
from apps.grading.plans import PlanDiff, build_plan_view, compare_plans


@dataclass
class PlanComparison:
    before: Submission
    after: Submission
    check_name: str
    before_check: dict[str, Any]
    after_check: dict[str, Any]
    diff: PlanDiff | None  # None when a side has no plan for that check
    check_names: list[str]  # every plan check of the two attempts, to pick another


def plan_checks(submission: Submission) -> list[dict[str, Any]]:
    """The checks of a finished verdict that carry a plan, in lab.toml's order."""
    result = submission.result if isinstance(submission.result, dict) else {}
    checks = result.get("checks", [])
    return [
        c for c in checks if isinstance(c, dict) and isinstance(c.get("artifacts"), dict) and c["artifacts"].get("plan")
    ]


def list_plan_submissions(user, lab: Lab, limit: int = 20) -> list[Submission]:
    """The learner's latest attempts on ``lab`` that have a plan to compare, newest first."""
    recent = Submission.objects.filter(user=user, lab=lab, status=Submission.Status.DONE)[: limit * 2]
    return [s for s in recent if plan_checks(s)][:limit]


def compare_submissions(user, lab: Lab, before_id: str | None, after_id: str | None, check: str = "") -> PlanComparison:
    """Two of ``user``'s own submissions on ``lab``, their plans for one check (the first plan
    check unless ``check`` names another) and what changed. Another learner's submission, or
    one of another lab, is not found (404), never shown."""
    own = Submission.objects.filter(user=user, lab=lab)
    try:
        before = own.get(pk=int(before_id or ""))
        after = own.get(pk=int(after_id or ""))
    except (ValueError, Submission.DoesNotExist) as exc:
        raise Http404("Pick two of your own attempts on this lab") from exc
    before_checks, after_checks = plan_checks(before), plan_checks(after)
    names = [c.get("name", "") for c in after_checks]
    names += [c.get("name", "") for c in before_checks if c.get("name", "") not in names]
    name = check if check in names else (names[0] if names else "")
    before_check = next((c for c in before_checks if c.get("name") == name), {})
    after_check = next((c for c in after_checks if c.get("name") == name), {})
    diff = None
    old = build_plan_view(before_check.get("artifacts", {}).get("plan"))
    new = build_plan_view(after_check.get("artifacts", {}).get("plan"))
    if old is not None and new is not None:
        diff = compare_plans(old, new)
    return PlanComparison(before, after, name, before_check, after_check, diff, names)
