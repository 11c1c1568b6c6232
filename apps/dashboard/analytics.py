"""What an instructor reads at a glance: completion per module and week, who is stuck,
and per lab the pass rate, the checks that fail most and the wrong answers learners share."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from apps.accounts.models import Cohort, Membership
from apps.courses.models import Lab, Lesson, LessonCompletion, Module, Week
from apps.dashboard.gradebook import PASS
from apps.grading.models import Submission, effective_score

STUCK_ATTEMPTS = 5  # this many counted attempts on a lab without a pass
INACTIVE_DAYS = 7


@dataclass
class Bar:
    label: str
    done: int
    possible: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.possible) if self.possible else 0


@dataclass
class StuckLearner:
    learner: object
    reasons: list[str]
    last_activity: datetime | None


@dataclass
class CohortOverview:
    learner_count: int
    modules: list[Bar]
    weeks: list[Bar]
    stuck: list[StuckLearner]
    inactive_days: int
    stuck_attempts: int


def summarize_cohort(
    cohort: Cohort, *, inactive_days: int = INACTIVE_DAYS, stuck_attempts: int = STUCK_ATTEMPTS, now=None
) -> CohortOverview:
    """Completion per module (lessons done) and per week (lessons done and labs passed),
    and the learners who look stuck; a constant number of queries."""
    now = now or timezone.now()
    learners = list(cohort.learners.order_by("username"))
    ids = Membership.objects.filter(cohort=cohort).values("user_id")  # a subquery, whatever the size
    n = len(learners)
    lessons = list(Lesson.objects.filter(retired=False).values("pk", "module_id", "week_id"))
    labs = list(Lab.objects.filter(retired=False).values("pk", "title", "lesson__week_id"))
    completions = list(
        LessonCompletion.objects.filter(user_id__in=ids).values_list("user_id", "lesson_id", "completed_at")
    )
    submissions = list(
        Submission.objects.filter(user_id__in=ids)
        .annotate(effective=effective_score())
        .values_list("user_id", "lab_id", "counted", "effective", "created_at")
        .order_by("created_at")
    )

    lesson_module = {row["pk"]: row["module_id"] for row in lessons}
    lesson_week = {row["pk"]: row["week_id"] for row in lessons}
    done_by_module: Counter = Counter()
    done_by_week: Counter = Counter()
    last_activity: dict[int, datetime] = {}
    for user_id, lesson_id, when in completions:
        if lesson_id in lesson_module:
            done_by_module[lesson_module[lesson_id]] += 1
            done_by_week[lesson_week[lesson_id]] += 1
        last_activity[user_id] = max(last_activity.get(user_id, when), when)

    lab_week = {row["pk"]: row["lesson__week_id"] for row in labs if row["lesson__week_id"]}
    lab_title = {row["pk"]: row["title"] for row in labs}
    passed: set[tuple[int, int]] = set()
    attempts: Counter = Counter()
    for user_id, lab_id, counted, effective, when in submissions:
        last_activity[user_id] = max(last_activity.get(user_id, when), when)
        if not counted:
            continue
        attempts[(user_id, lab_id)] += 1
        if effective is not None and effective >= PASS:
            passed.add((user_id, lab_id))
    for _user_id, lab_id in passed:
        if lab_id in lab_week:
            done_by_week[lab_week[lab_id]] += 1

    lessons_per_module = Counter(row["module_id"] for row in lessons)
    items_per_week = Counter(row["week_id"] for row in lessons) + Counter(lab_week.values())
    modules = [
        Bar(m.title, done_by_module[m.pk], n * lessons_per_module[m.pk]) for m in Module.objects.filter(retired=False)
    ]
    weeks = [Bar(f"Week {w.number}", done_by_week[w.pk], n * items_per_week[w.pk]) for w in Week.objects.all()]

    stuck = []
    for learner in learners:
        reasons = []
        for (user_id, lab_id), count in sorted(attempts.items(), key=lambda item: -item[1]):
            if user_id == learner.pk and count >= stuck_attempts and (user_id, lab_id) not in passed:
                reasons.append(f"{count} attempts on “{lab_title.get(lab_id, 'a lab')}” without a pass")
        seen = last_activity.get(learner.pk)
        if seen is None:
            reasons.append("no activity yet")
        elif seen < now - timedelta(days=inactive_days):
            reasons.append(f"inactive for {(now - seen).days} days")
        if reasons:
            stuck.append(StuckLearner(learner, reasons, seen))
    return CohortOverview(n, modules, weeks, stuck, inactive_days, stuck_attempts)


_SQL_LINE_COMMENT = re.compile(r"(--|#)[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SPACE = re.compile(r"\s+")
_SPACE_AROUND_PUNCTUATION = re.compile(r"\s*([(),;=<>+\-*/.:\[\]{}|])\s*")


def normalize_answer(answer: str) -> str:
    """The shape two answers share when they differ only in comments, case, spacing (also
    around operators and brackets) or a trailing semicolon: what groups "the same wrong
    answer" together."""
    text = _BLOCK_COMMENT.sub(" ", answer)
    text = _SQL_LINE_COMMENT.sub(" ", text)
    text = _SPACE.sub(" ", text).strip().lower()
    text = _SPACE_AROUND_PUNCTUATION.sub(r"\1", text)
    return text.rstrip("; ")


@dataclass
class FailingCheck:
    name: str
    failures: int
    learners: int
    message: str  # the most common message for this check


@dataclass
class AnswerGroup:
    sample: str
    submissions: int
    learners: int
    best_score: float | None
    failed_checks: list[str]


@dataclass
class LabAnalytics:
    lab: Lab
    learner_count: int
    attempted: int
    passed: int
    submissions: int
    median_attempts_to_pass: float | None
    median_minutes_to_pass: float | None
    failing_checks: list[FailingCheck] = field(default_factory=list)
    wrong_answers: list[AnswerGroup] = field(default_factory=list)

    @property
    def pass_rate(self) -> int:
        """Of those who tried."""
        return round(100 * self.passed / self.attempted) if self.attempted else 0


def analyze_lab(cohort: Cohort, lab: Lab, *, groups: int = 10) -> LabAnalytics:
    ids = Membership.objects.filter(cohort=cohort).values("user_id")
    rows = list(
        Submission.objects.filter(user_id__in=ids, lab=lab, counted=True)
        .order_by("created_at", "pk")
        .annotate(effective=effective_score())
        .values("user_id", "answer", "effective", "result", "created_at")
    )
    by_learner: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_learner[row["user_id"]].append(row)

    attempts_to_pass, minutes_to_pass = [], []
    for history in by_learner.values():
        for number, row in enumerate(history, start=1):
            if row["effective"] is not None and row["effective"] >= PASS:
                attempts_to_pass.append(number)
                minutes_to_pass.append((row["created_at"] - history[0]["created_at"]).total_seconds() / 60)
                break

    failures: Counter = Counter()
    failing_learners: dict[str, set[int]] = defaultdict(set)
    messages: dict[str, Counter] = defaultdict(Counter)
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        checks = (row["result"] or {}).get("checks", [])
        failed = [check for check in checks if not check.get("passed")]
        row["failed_names"] = [check.get("name", "?") for check in failed]
        for check in failed:
            name = check.get("name", "?")
            failures[name] += 1
            failing_learners[name].add(row["user_id"])
            messages[name][check.get("message", "")] += 1
        if row["effective"] is None or row["effective"] < PASS:
            grouped[normalize_answer(row["answer"])].append(row)

    failing_checks = [
        FailingCheck(name, count, len(failing_learners[name]), messages[name].most_common(1)[0][0])
        for name, count in failures.most_common()
    ]
    answer_groups = sorted(
        (
            AnswerGroup(
                sample=members[0]["answer"],
                submissions=len(members),
                learners=len({m["user_id"] for m in members}),
                best_score=max((m["effective"] or 0) for m in members),
                failed_checks=sorted({name for m in members for name in m["failed_names"]}),
            )
            for members in grouped.values()
        ),
        key=lambda group: (-group.learners, -group.submissions),
    )
    return LabAnalytics(
        lab=lab,
        learner_count=cohort.learners.count(),
        attempted=len(by_learner),
        passed=len(attempts_to_pass),
        submissions=len(rows),
        median_attempts_to_pass=statistics.median(attempts_to_pass) if attempts_to_pass else None,
        median_minutes_to_pass=round(statistics.median(minutes_to_pass), 1) if minutes_to_pass else None,
        failing_checks=failing_checks,
        wrong_answers=answer_groups[:groups],
    )
