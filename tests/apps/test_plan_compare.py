"""The compare page and the verdict's target shape, on plans a real PostgreSQL sandbox wrote:
a learner compares two of their own attempts, never anyone else's, and an instructor who shows
the score only hides the plans here too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from apps.grading.models import Submission
from labs.sandbox import postgres
from tests.apps.factories import UserFactory
from tests.course_builder import write_course

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL not installed")

LAB_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "plan-labs" / "explain-orders"
QUERY = "SELECT id, amount FROM orders WHERE customer_id = 4242"


@pytest.fixture(scope="module")
def plans() -> dict[str, list]:
    """The fixture lab's query explained on its own data, before and after the right index."""
    with postgres.start_instance() as instance:
        instance.execute("CREATE DATABASE lab")
        with instance.connect("lab") as conn:
            conn.execute((LAB_DIR / "setup.sql").read_text())
            conn.execute("ANALYZE")
            explain = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {QUERY}"
            before = conn.execute(explain).fetchone()[0]
            conn.execute((LAB_DIR / "solution.sql").read_text())
            conn.execute("ANALYZE")
            after = conn.execute(explain).fetchone()[0]
    return {"before": before, "after": after}


@pytest.fixture
def plan_lab(tmp_path, settings, db):
    from apps.courses.models import Lab
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(LAB_DIR.parents[1] / "site-labs", root / "labs")  # a second lab
    shutil.copytree(LAB_DIR, root / "labs" / "explain-orders")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    return Lab.objects.get(key="site-explain-orders")


def attempt(user, lab, plan, *, passed: bool, failed_node=None) -> Submission:
    artifacts = {"plan": plan}
    if failed_node is not None:
        artifacts["failed_node"] = failed_node
    check = {"name": "the query uses an index", "passed": passed, "message": "m", "hint": "", "weight": 1}
    result = {"score": float(passed), "gradable": True, "status": "graded", "message": "", "artifacts": {}}
    result["checks"] = [{**check, "artifacts": artifacts}]
    return Submission.objects.create(
        user=user, lab=lab, answer="--", kind="submit", status="done", score=float(passed), result=result
    )


def test_a_learner_compares_two_of_their_attempts_from_the_lab_page(client, plan_lab, plans):
    learner = UserFactory()
    first = attempt(learner, plan_lab, plans["before"], passed=False, failed_node=[])
    second = attempt(learner, plan_lab, plans["after"], passed=True)
    client.force_login(learner)
    lab_page = client.get(f"/labs/{plan_lab.key}/").content.decode()
    assert f'action="/labs/{plan_lab.key}/plans/"' in lab_page and "Compare plans" in lab_page
    page = client.get(f"/labs/{plan_lab.key}/plans/", {"before": first.pk, "after": second.pk})
    html = page.content.decode()
    assert page.status_code == 200
    gone = html.split("Steps gone after", 1)[1].split("</ul>", 1)[0]
    assert "Seq Scan on orders" in gone
    new = html.split("New steps after", 1)[1].split("</ul>", 1)[0]
    assert "Scan on orders" in new and "Seq Scan" not in new
    buffers_row = html.split("Shared buffers (8 kB pages)", 1)[1].split("</tr>", 1)[0]
    assert 'class="better"' in buffers_row and "less" in buffers_row
    assert html.count('class="plan-tree"') == 2  # both plans drawn, side by side


def test_nobody_else_s_attempts_and_no_other_lab_s(client, plan_lab, plans):
    from apps.courses.models import Lab

    owner, other = UserFactory(), UserFactory()
    mine = [attempt(owner, plan_lab, plans["before"], passed=False) for _ in range(2)]
    client.force_login(other)
    url = f"/labs/{plan_lab.key}/plans/"
    assert client.get(url, {"before": mine[0].pk, "after": mine[1].pk}).status_code == 404
    theirs = attempt(other, plan_lab, plans["after"], passed=True)
    assert client.get(url, {"before": mine[0].pk, "after": theirs.pk}).status_code == 404
    assert client.get(url, {"before": "x", "after": theirs.pk}).status_code == 404
    assert client.get(url, {"before": theirs.pk, "after": theirs.pk}).status_code == 200
    second_lab = Lab.objects.exclude(pk=plan_lab.pk).first()
    assert second_lab is not None
    pair = {"before": theirs.pk, "after": theirs.pk}
    assert client.get(f"/labs/{second_lab.key}/plans/", pair).status_code == 404


def test_score_only_feedback_hides_the_plans_here_too(client, plan_lab, plans):
    from apps.accounts.models import Membership
    from apps.dashboard.models import FeedbackDetail, LabPolicy
    from tests.apps.factories import CohortFactory

    learner = UserFactory()
    cohort = CohortFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    LabPolicy.objects.create(cohort=cohort, lab=plan_lab, detail=FeedbackDetail.SCORE)
    a = attempt(learner, plan_lab, plans["before"], passed=False)
    b = attempt(learner, plan_lab, plans["after"], passed=True)
    client.force_login(learner)
    assert "Compare plans" not in client.get(f"/labs/{plan_lab.key}/").content.decode()
    html = client.get(f"/labs/{plan_lab.key}/plans/", {"before": a.pk, "after": b.pk}).content.decode()
    assert "score only" in html and "plan-tree" not in html and "Seq Scan" not in html


def test_the_verdict_sets_the_plan_beside_the_lab_s_target_shape(plan_lab, plans):
    from apps.dashboard.models import FeedbackDetail
    from apps.dashboard.policies import LabRule

    learner = UserFactory()
    failing = attempt(learner, plan_lab, plans["before"], passed=False, failed_node=[])
    html = render_to_string("grading/_submission.html", {"submission": failing})
    target = html.split("What the lab's plan must look like", 1)[1].split("</ul>", 1)[0]
    assert target.count('class="fail"') == 3  # an index scan, no Seq Scan, at most 100 buffers
    assert "no Seq Scan on orders" in target and "yours: 1 in your plan" in target
    passing = attempt(learner, plan_lab, plans["after"], passed=True)
    html = render_to_string("grading/_submission.html", {"submission": passing})
    target = html.split("What the lab's plan must look like", 1)[1].split("</ul>", 1)[0]
    assert target.count('class="pass"') == 3 and 'class="fail"' not in target
    # an instructor who shows checks but not expected results: the plan, not the target
    rule = LabRule(detail=FeedbackDetail.CHECKS)
    html = render_to_string("grading/_submission.html", {"submission": failing, "rule": rule})
    assert "plan-tree" in html and "What the lab's plan must look like" not in html


def test_a_submission_s_own_page_draws_its_plan_with_the_heaviest_step(client, plan_lab, plans):
    learner = UserFactory()
    failing = attempt(learner, plan_lab, plans["before"], passed=False, failed_node=[])
    client.force_login(learner)
    html = client.get(f"/submissions/{failing.pk}/").content.decode()
    heaviest = html.split('class="plan-node heaviest failed"', 1)[1].split("</li>", 1)[0]
    assert "Seq Scan on orders" in heaviest and "This step failed the check" in heaviest
    assert "Raw plan text" in html and "Execution Time:" in html


def test_with_several_plan_checks_the_learner_picks_which_to_compare(client, plan_lab, plans):
    learner = UserFactory()
    first = attempt(learner, plan_lab, plans["before"], passed=False)
    second = attempt(learner, plan_lab, plans["after"], passed=True)
    for submission, plan in ((first, plans["after"]), (second, plans["before"])):  # a second check, reversed
        submission.result["checks"].append({"name": "the other query", "passed": True, "artifacts": {"plan": plan}})
        submission.save()
    client.force_login(learner)
    url = f"/labs/{plan_lab.key}/plans/"
    html = client.get(url, {"before": first.pk, "after": second.pk}).content.decode()
    assert 'aria-current="page">the query uses an index<' in html and "check=the%20other%20query" in html
    gone = html.split("Steps gone after", 1)[1].split("</ul>", 1)[0]
    assert "Seq Scan on orders" in gone
    other = client.get(url, {"before": first.pk, "after": second.pk, "check": "the other query"}).content.decode()
    assert 'aria-current="page">the other query<' in other
    new = other.split("New steps after", 1)[1].split("</ul>", 1)[0]
    assert "Seq Scan on orders" in new  # this check's plans went the other way
