"""Practice: where a learner stands on the graded items (labs and exercises), an exercise's
hint ladder and its explained answer. Verb-first services; views only call these.

A learner's state on an item is read from their Submit submissions:

- ``passed``: a graded submission scored 1.0 (an instructor's override counts, as in the
  gradebook);
- ``tried``: at least one submission, none passing yet (or still waiting for its verdict);
- ``not-tried``: no submission (a Run is a preview and does not count);
- ``submitted``: the instructor withholds feedback on this item, so whether it passed is not
  said here either (a list must not leak what the lab page hides).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Max

from apps.courses.models import Lab
from apps.grading.models import HintReveal, Submission, effective_score

NOT_TRIED, TRIED, PASSED, SUBMITTED = "not-tried", "tried", "passed", "submitted"
STATE_LABELS = {NOT_TRIED: "not tried", TRIED: "tried", PASSED: "passed", SUBMITTED: "submitted"}


class HintLocked(Exception):
    """The learner asked for a hint they have not unlocked; ``message`` says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# --------------------------------------------------------------------------- states


def _hidden_lab_ids(user, lab_ids: set[int]) -> set[int]:
    """Items whose verdicts this learner may not see now (an instructor's rule)."""
    from apps.dashboard.models import FeedbackMode, LabPolicy
    from apps.dashboard.policies import find_lab_rule

    # Only a rule other than "immediately" can withhold a verdict; deadlines alone (the common
    # case, often on every lab) cost no query per lab.
    with_policy = set(
        LabPolicy.objects.filter(cohort__learners=user, lab_id__in=lab_ids)
        .exclude(feedback=FeedbackMode.IMMEDIATE)
        .values_list("lab_id", flat=True)
    )
    return {lab.pk for lab in Lab.objects.filter(pk__in=with_policy) if not find_lab_rule(user, lab).feedback_visible()}


def find_practice_states(user, labs: Iterable[Lab]) -> dict[int, str]:
    """lab pk -> the learner's state (see the module docstring), in two or three queries."""
    lab_ids = {lab.pk for lab in labs}
    states = dict.fromkeys(lab_ids, NOT_TRIED)
    if not user.is_authenticated or not lab_ids:
        return states
    rows = (
        Submission.objects.filter(user=user, lab_id__in=lab_ids, kind=Submission.Kind.SUBMIT)
        .values("lab_id")
        .annotate(best=Max(effective_score()), sent=Count("pk"))
    )
    for row in rows:
        states[row["lab_id"]] = PASSED if row["best"] is not None and row["best"] >= 1.0 else TRIED
    for lab_id in _hidden_lab_ids(user, {pk for pk, state in states.items() if state != NOT_TRIED}):
        states[lab_id] = SUBMITTED
    return states


@dataclass
class Tally:
    passed: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 0

    def add(self, passed: bool) -> None:
        self.total += 1
        self.passed += passed


@dataclass
class PracticeSummary:
    """Passed/total graded items: overall, per kind, per lesson and per module."""

    states: dict[int, str]
    overall: Tally = field(default_factory=Tally)
    labs: Tally = field(default_factory=Tally)
    exercises: Tally = field(default_factory=Tally)
    by_lesson: dict[int, Tally] = field(default_factory=dict)
    by_module: dict[int, Tally] = field(default_factory=dict)


def list_graded_items() -> list[Lab]:
    """Every live lab and exercise, with its lesson, module and week loaded."""
    return list(Lab.objects.filter(retired=False).select_related("lesson__module", "lesson__week"))


def summarize_practice(user, items: list[Lab] | None = None) -> PracticeSummary:
    items = list_graded_items() if items is None else items
    summary = PracticeSummary(states=find_practice_states(user, items))
    for lab in items:
        passed = summary.states[lab.pk] == PASSED
        summary.overall.add(passed)
        (summary.exercises if lab.is_exercise else summary.labs).add(passed)
        if lab.lesson_id is not None and not lab.lesson.retired:
            summary.by_lesson.setdefault(lab.lesson_id, Tally()).add(passed)
            summary.by_module.setdefault(lab.lesson.module_id, Tally()).add(passed)
    return summary


def describe_items(labs: Iterable[Lab], states: dict[int, str]) -> list[dict]:
    """Rows a template lists: exercises first (the short ones), then labs, by title."""
    ordered = sorted(labs, key=lambda lab: (not lab.is_exercise, lab.title.lower()))
    return [
        {"lab": lab, "state": states.get(lab.pk, NOT_TRIED), "label": STATE_LABELS[states.get(lab.pk, NOT_TRIED)]}
        for lab in ordered
    ]


def group_items_by_week(items: list[Lab], states: dict[int, str]) -> tuple[list[dict], list[dict]]:
    """(weeks, unattached): each week with its lessons (in course order) and their items;
    items tied to no lesson come separately."""
    weeks: dict[int, dict] = {}
    unattached = []
    for lab in items:
        lesson = lab.lesson
        if lesson is None or lesson.retired:
            unattached.append(lab)
            continue
        week = weeks.setdefault(lesson.week.number, {"week": lesson.week, "lessons": {}})
        week["lessons"].setdefault(lesson.pk, {"lesson": lesson, "items": []})["items"].append(lab)
    result = []
    for number in sorted(weeks):
        lessons = sorted(weeks[number]["lessons"].values(), key=lambda e: (e["lesson"].module.skill, e["lesson"].order))
        for entry in lessons:
            entry["items"] = describe_items(entry["items"], states)
        result.append({"week": weeks[number]["week"], "lessons": lessons})
    return result, describe_items(unattached, states)


# --------------------------------------------------------------------------- hint ladder


def count_failed_attempts(user, lab: Lab, *, feedback_visible: bool = True) -> int:
    """Graded Submit attempts that did not pass. While the instructor withholds feedback,
    every graded attempt counts, so unlocking a hint never tells whether an answer passed."""
    graded = Submission.objects.filter(user=user, lab=lab, kind=Submission.Kind.SUBMIT, counted=True)
    if not feedback_visible:
        return graded.count()
    return graded.annotate(effective=effective_score()).filter(effective__lt=1.0).count()


@dataclass
class HintLadder:
    hints: list[str]
    revealed: list[str]
    failed_attempts: int

    @property
    def next_step(self) -> int | None:
        """1-based step of the next hint, None once all are shown."""
        step = len(self.revealed) + 1
        return step if step <= len(self.hints) else None

    @property
    def next_unlocked(self) -> bool:
        return self.next_step is not None and self.failed_attempts >= self.next_step

    @property
    def attempts_to_unlock(self) -> int:
        """More failed attempts needed before the next hint may be shown."""
        return 0 if self.next_step is None else max(0, self.next_step - self.failed_attempts)


def build_hint_ladder(user, lab: Lab, *, feedback_visible: bool = True) -> HintLadder:
    steps = set(HintReveal.objects.filter(user=user, lab=lab).values_list("step", flat=True))
    hints = list(lab.hints or [])
    # Revealed steps are contiguous from 1 (reveal_hint enforces it); a hint removed from the
    # ladder since simply is not shown.
    revealed = [hints[step - 1] for step in range(1, len(hints) + 1) if step in steps]
    return HintLadder(hints, revealed, count_failed_attempts(user, lab, feedback_visible=feedback_visible))


def reveal_hint(user, lab: Lab, step: int, *, feedback_visible: bool = True) -> HintLadder:
    """Reveal hint ``step`` (1-based) of the exercise's ladder and return the ladder.

    Hint k unlocks after k graded attempts that did not pass, and hints come in order.
    Asking again for a revealed hint (a double click) changes nothing. Raises HintLocked
    for a hint that is not unlocked yet or does not exist."""
    ladder = build_hint_ladder(user, lab, feedback_visible=feedback_visible)
    if step <= len(ladder.revealed) and step >= 1:
        return ladder
    if not lab.hints or step < 1 or step > len(ladder.hints):
        raise HintLocked(f"This exercise has no hint {step}.")
    if step != ladder.next_step:
        raise HintLocked(f"Hints come in order: reveal hint {ladder.next_step} first.")
    if ladder.failed_attempts < step:
        needed = step - ladder.failed_attempts
        raise HintLocked(
            f"Hint {step} unlocks after {step} graded attempt{'s' if step > 1 else ''} that did not pass; "
            f"you have {ladder.failed_attempts}. Submit {needed} more answer{'s' if needed > 1 else ''} first."
        )
    try:
        with transaction.atomic():
            HintReveal.objects.get_or_create(user=user, lab=lab, step=step)
    except IntegrityError:  # the same click, twice, at once
        pass
    return build_hint_ladder(user, lab, feedback_visible=feedback_visible)


# --------------------------------------------------------------------------- explanation


def has_passed(user, lab: Lab) -> bool:
    """A graded Submit of this learner scored 1.0 (an instructor's override included)."""
    return (
        Submission.objects.filter(user=user, lab=lab, kind=Submission.Kind.SUBMIT, status=Submission.Status.DONE)
        .annotate(effective=effective_score())
        .filter(effective__gte=1.0)
        .exists()
    )


def may_see_explanation(user, lab: Lab, *, feedback_visible: bool = True) -> bool:
    """The explained answer is for learners who solved the exercise, and only once the
    instructor lets them see their verdict (else it would tell them they passed)."""
    return lab.is_exercise and bool(lab.explanation) and feedback_visible and has_passed(user, lab)
