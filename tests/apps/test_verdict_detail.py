"""Issue 9 item 7: the verdict shows every problem (listed, once), a Run shows the reason and
the learner's own output, and instructors choose per lab how much of a verdict learners see."""

import pytest
from django.template.loader import render_to_string

from apps.dashboard.models import FeedbackDetail
from apps.dashboard.policies import LabRule
from apps.grading.models import Submission

EXPECTED = {"columns": ["name"], "rows": [["SECRET-ROW"]]}
FAILED = {
    "name": "rows match",
    "passed": False,
    "message": "Expected row missing.",
    "hint": "Use ZINCRBY, not ZADD.",
    "weight": 1,
    "artifacts": {"preview": {"columns": ["name"], "rows": [["ada"]]}, "expected_preview": EXPECTED},
}


def verdict(kind: str, checks: list[dict], rule: LabRule | None = None) -> str:
    result = {"score": 0.0, "gradable": True, "status": "graded", "message": "", "checks": checks, "artifacts": {}}
    submission = Submission(pk=7, kind=kind, status="done", score=0.0, result=result)
    return render_to_string("grading/_submission.html", {"submission": submission, "rule": rule})


@pytest.mark.parametrize(
    ("detail", "shown", "hidden"),
    [
        (FeedbackDetail.SCORE, ["Score:", "score only"], ["rows match", "SECRET-ROW", "ZINCRBY"]),
        (FeedbackDetail.CHECKS, ["rows match", "Expected row missing."], ["SECRET-ROW", "ZINCRBY"]),
        (FeedbackDetail.EXPECTED, ["SECRET-ROW"], ["ZINCRBY"]),
        (FeedbackDetail.FULL, ["SECRET-ROW", "ZINCRBY"], []),
    ],
)
def test_each_feedback_detail_level_shows_its_parts_and_nothing_more(detail, shown, hidden):
    html = verdict("submit", [FAILED], LabRule(detail=detail))
    for text in shown:
        assert text in html, (detail, text)
    for text in hidden:
        assert text not in html, (detail, text)


def test_without_a_rule_everything_shows_as_on_the_instructors_review_page():
    html = verdict("submit", [FAILED])
    assert "SECRET-ROW" in html and "ZINCRBY" in html


def test_the_other_problems_a_message_announces_are_listed():
    check = dict(FAILED, message="First problem. (and 1 more problem, listed below)")
    check["artifacts"] = {"problems": ["First problem.", "Second problem."]}
    html = verdict("submit", [check])
    assert "<li>Second problem.</li>" in html and "<li>First problem.</li>" not in html


def test_redis_errors_show_once_above_the_checks_and_a_run_shows_the_replies():
    commands = [
        {"line": 1, "command": "ZADD lb 5 ada", "reply": "(integer) 1"},
        {"line": 2, "command": "ZRANGE lb 0 -1 WITHSCORES", "reply": '["ada", "5"]'},
        {"line": 3, "command": "EXPIRE lb", "reply": "(error) ERR wrong number of arguments for 'expire' command"},
    ]
    errors = "Redis answered errors to some of your commands: line 3 (`EXPIRE lb`): ERR wrong number of arguments."
    checks = [
        dict(FAILED, name=f"check {n}", artifacts={"commands": commands, "command_errors": errors}) for n in range(3)
    ]
    html = verdict("run", checks)
    assert html.count("Redis answered errors") == 1
    assert '<details class="transcript" open>' in html and "ZRANGE lb 0 -1 WITHSCORES" in html
    assert "[&quot;ada&quot;, &quot;5&quot;]" in html  # the learner's own read shows its output


def test_a_run_shows_a_sql_error_with_its_line_but_not_a_result_comparison():
    sql_error = dict(FAILED, message='Line 3: Statement 1 (SELEC 1) failed: ERROR: syntax error at or near "SELEC"')
    sql_error["artifacts"] = {"error": {"sqlstate": "42601", "statement": 1, "line": 3}}
    html = verdict("run", [sql_error, FAILED])
    assert "Line 3: Statement 1" in html
    assert "Expected row missing." not in html and "SECRET-ROW" not in html


@pytest.mark.django_db
def test_the_strictest_detail_among_a_learners_cohorts_applies_and_the_settings_page_saves_it(client, lab_course):
    from apps.accounts.models import Membership
    from apps.courses.models import Lab
    from apps.dashboard.models import LabPolicy
    from apps.dashboard.policies import find_lab_rule
    from tests.apps.factories import CohortFactory, UserFactory

    lab = Lab.objects.get(key="site-orders-per-customer")
    learner = UserFactory()
    first, second = CohortFactory(), CohortFactory()
    for cohort in (first, second):
        Membership.objects.create(cohort=cohort, user=learner)
    client.force_login(first.instructor)
    page = client.get(f"/teach/cohorts/{first.pk}/settings/")
    assert f'name="lab-{lab.pk}-detail"' in page.content.decode()
    client.post(
        f"/teach/cohorts/{first.pk}/settings/",
        {f"lab-{lab.pk}-feedback": "immediate", f"lab-{lab.pk}-detail": FeedbackDetail.EXPECTED},
    )
    assert LabPolicy.objects.get(cohort=first, lab=lab).detail == FeedbackDetail.EXPECTED
    LabPolicy.objects.create(cohort=second, lab=lab, detail=FeedbackDetail.CHECKS)
    rule = find_lab_rule(learner, lab)
    assert rule.shows_checks and not rule.shows_expected and not rule.shows_hints
