"""In a real browser, at phone width and in dark mode: a learner's two real graded attempts,
the result diff of the wrong one (the differing cell marked), the answer diff between them,
the worked solution once the instructor releases it; no CSP refusal, no serious axe violation,
no sideways scrolling."""

import os
import shutil
from pathlib import Path

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.dashboard.models import LabPolicy, SolutionRelease
from apps.grading.models import Submission
from apps.grading.services import grade_submission_now
from tests.apps.factories import CohortFactory, UserFactory
from tests.course_builder import write_course
from tests.e2e.test_accessibility import BLOCKING, RUN_AXE
from tests.e2e.test_csp import log_in, violations, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LAB = "site-orders-per-customer"
SCREENSHOTS = os.environ.get("INDEXED_SCREENSHOTS")  # a folder to keep the pages in, to look at them
COUNT_STAR = (
    "SELECT c.name, count(*) AS orders\nFROM customers c LEFT JOIN orders o ON o.customer_id = c.id\n"
    "GROUP BY c.id, c.name ORDER BY c.name;"
)
# The hostile line is the learner's own text: it must arrive in the page as text.
RIGHT = (
    "-- <img src=x onerror=alert(1)>\nSELECT c.name, count(o.id) AS orders\n"
    "FROM customers c LEFT JOIN orders o ON o.customer_id = c.id\nGROUP BY c.id, c.name ORDER BY c.name;"
)


@pytest.fixture
def graded(tmp_path, settings, transactional_db):
    """A learner with two attempts graded on a real PostgreSQL sandbox: 67%-wrong, then right."""
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURES / "site-labs", root / "labs")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    learner = UserFactory(username="differ")
    cohort = CohortFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    lab = Lab.objects.get(key=LAB)
    attempts = []
    for answer in (COUNT_STAR, RIGHT):
        submission = Submission.objects.create(user=learner, lab=lab, answer=answer)
        grade_submission_now(submission.pk)
        attempts.append(Submission.objects.get(pk=submission.pk))
    assert [a.score < 1 for a in attempts] == [True, False], [a.result for a in attempts]
    return cohort, lab, attempts


# Elements sticking out of the window outside any scroll box: what makes a page scroll sideways.
WIDE = """[...document.querySelectorAll('body *')].filter(e => {
  if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return false;
  }
  return true;
}).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def check_page(page, refused: list[str], name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
    assert violations(page, refused) == []
    wide = page.evaluate(WIDE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"scrolls sideways: {wide}"
    page.add_script_tag(url="/static/vendor/axe.min.js")
    assert [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING] == []


def test_result_diff_answer_diff_and_released_solution_at_375px_in_dark_mode(live_server, graded, browser):
    cohort, lab, (wrong, right) = graded
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = watch_csp(page)
    log_in(page, live_server.url, "differ")

    # The wrong attempt's verdict: Brian's count is the one marked cell, with its expected value.
    page.goto(f"{live_server.url}/submissions/{wrong.pk}/")
    table = page.get_by_role("table", name="Your rows compared with the expected result")
    changed = table.locator("td.cell-changed")
    assert changed.count() == 1
    assert " ".join(changed.inner_text().split()) == "≠ differs: 1 expected 0"
    assert page.locator(".result-diff .legend").is_visible()
    check_page(page, refused, "result-diff")

    # From the attempts list to what changed between the two answers.
    page.goto(f"{live_server.url}/labs/{LAB}/")
    page.get_by_role("link", name="changes in the answer since the attempt before").first.click()
    page.get_by_role("heading", name="What changed between two attempts").wait_for()
    diff = page.locator("#answer-diff")
    assert diff.locator("tr.diff-added").count() == 2 and diff.locator("tr.diff-removed").count() == 1
    assert "<img src=x onerror=alert(1)>" in diff.inner_text() and page.locator("#answer-diff img").count() == 0
    check_page(page, refused, "answer-diff")

    # The instructor releases the worked solution now: the lab page shows the reference answer.
    LabPolicy.objects.create(cohort=cohort, lab=lab, solution=SolutionRelease.NOW)
    page.goto(f"{live_server.url}/labs/{LAB}/")
    solution = page.locator("#worked-solution")
    assert "count(o.id) AS orders" in solution.inner_text()
    check_page(page, refused, "worked-solution")
    context.close()
