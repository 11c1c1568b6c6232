"""When a learner sees a lab's worked solution: the instructor's choice per cohort and lab
(``LabPolicy.solution``), read from the learner's side.

The worked solution is the item's ``explanation.md`` (every exercise has one) or, for a lab
without one, its commented reference answer. A learner in several cohorts sees it only once
every one of their cohorts' rules allows it: one cohort saying "never" wins. Without any rule,
today's behaviour holds: an exercise's explained answer after the learner passed, a lab's
reference answer never.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.courses.models import Lab
from apps.dashboard.models import LabPolicy, SolutionRelease
from apps.dashboard.policies import find_lab_rule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkedSolution:
    """What the lab page shows of the worked solution. ``html``/``code`` are filled only when
    ``visible``: a hidden solution is never in the page, not even hidden by CSS."""

    offered: bool  # the page has a solution section at all
    visible: bool = False
    html: str = ""  # explanation.md, rendered
    code: str = ""  # the reference answer, for a lab without an explanation
    waiting: str = ""  # why it is not shown yet, for the learner


def _standard_mode(lab: Lab) -> str:
    return SolutionRelease.AFTER_PASSING if lab.is_exercise else SolutionRelease.NEVER


def list_solution_modes(user, lab: Lab) -> list[tuple[str, datetime | None]]:
    """(mode, deadline) for each cohort of ``user`` with a rule on ``lab``; the platform's
    default when there is none. "standard" is resolved to what it means for this item."""
    policies = []
    if user.is_authenticated:
        rows = LabPolicy.objects.filter(lab=lab, cohort__learners=user)
        policies = list(rows.values_list("cohort_id", "solution", "due_at"))
    if not policies:
        return [(_standard_mode(lab), None)]
    if any(mode == SolutionRelease.AFTER_DEADLINE for _, mode, _ in policies):
        # A learner with an extension still works on the lab after the cohort's deadline:
        # their own (extended) deadline releases the solution to them.
        from apps.grading.extensions import learner_lab_terms

        terms = learner_lab_terms(user, lab)
        policies = [(pk, mode, terms[pk].due_at if pk in terms else due) for pk, mode, due in policies]
    return [(_standard_mode(lab) if mode == SolutionRelease.STANDARD else mode, due) for _, mode, due in policies]


def _solution_text(lab: Lab) -> tuple[str, str]:
    """(explanation Markdown, reference answer) of the item; the answer only when there is
    no explanation (an explanation already quotes and discusses the answer)."""
    if lab.explanation:
        return lab.explanation, ""
    from apps.grading.services import load_lab_spec

    try:
        spec = load_lab_spec(lab)
        return "", spec.solution_path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:  # a lab folder that moved or broke: no solution to show
        log.warning("worked solution of %s unreadable: %s", lab.key, exc)
        return "", ""


def build_worked_solution(user, lab: Lab, *, now: datetime | None = None) -> WorkedSolution:
    """The worked solution as ``user`` may see it now on ``lab``'s page."""
    from apps.courses.rendering import render_markdown
    from apps.grading.practice import has_passed

    now = now or timezone.now()
    modes = list_solution_modes(user, lab)
    if any(mode == SolutionRelease.NEVER for mode, _ in modes):
        note = "Your instructor does not show the worked answer for this exercise."
        return WorkedSolution(offered=lab.is_exercise, waiting=note)
    explanation, code = _solution_text(lab)
    if not explanation and not code:
        return WorkedSolution(offered=False)
    pending = [due for mode, due in modes if mode == SolutionRelease.AFTER_DEADLINE and (due is None or now < due)]
    if pending:
        if any(due is None for due in pending):  # refused by the settings form; be safe with old rows
            return WorkedSolution(offered=lab.is_exercise, waiting="The worked solution is not released yet.")
        when = timezone.localtime(max(pending))
        note = f"The worked solution appears here after the deadline, {when:%b %d, %H:%M}."
        return WorkedSolution(offered=True, waiting=note)
    # Showing it after a pass tells the learner they passed: wait while their verdicts are withheld.
    if any(mode == SolutionRelease.AFTER_PASSING for mode, _ in modes) and not (
        user.is_authenticated and find_lab_rule(user, lab).feedback_visible(now) and has_passed(user, lab)
    ):
        what = "worked answer and its reasoning appear" if explanation else "worked solution appears"
        return WorkedSolution(offered=True, waiting=f"The {what} here once one of your answers scores 100%.")
    html = render_markdown(explanation).html if explanation else ""
    return WorkedSolution(offered=True, visible=True, html=html, code=code)
