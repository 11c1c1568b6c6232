"""The Content-Security-Policy production ships is on in tests too (base.py). In a real browser,
every page a learner and an instructor use loads and works under it: no inline script, no on*=
handler, no eval is refused, and htmx and CodeMirror still do their jobs.

The site built here (``ux_site``) is shared with test_accessibility.py and test_ux.py: lessons,
a SQL lab and an EXPLAIN lab with real graded answers (eager grading, real PostgreSQL
sandboxes), an exercise, a Mongo lab, a project, and a cohort with its instructor."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from apps.grading.models import Submission
from apps.grading.services import submit_answer
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory
from tests.course_builder import write_course

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SQL_LAB = "site-orders-per-customer"
EXPLAIN_LAB = "site-explain-orders"
EXERCISE = "ex-customers-without-orders"
MONGO_LAB = "mongo-spend-per-customer"
WRONG_SQL = "SELECT c.name, count(o.id) AS orders FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY c.name;"  # noqa: E501
WRONG_INDEX = "CREATE INDEX orders_amount_idx ON orders (amount);"
RIGHT_INDEX = "CREATE INDEX orders_customer_id_idx ON orders (customer_id);"

# Listens from the first script on: a refused script, style or handler fires this event.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


@dataclass
class UxSite:
    """What the pages are about: who logs in, and the pages each of them uses."""

    learner: object
    instructor: object
    learner_pages: list[str] = field(default_factory=list)
    instructor_pages: list[str] = field(default_factory=list)
    anonymous_pages: list[str] = field(default_factory=list)


@pytest.fixture
def ux_site(tmp_path, settings, transactional_db) -> UxSite:
    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURES / "site-labs", root / "labs")
    shutil.copytree(FIXTURES / "plan-labs" / "explain-orders", root / "labs" / "explain-orders")
    shutil.copytree(FIXTURES / "course" / "labs" / "mongo-aggregation", root / "labs" / "mongo-aggregation")
    shutil.copytree(FIXTURES / "course" / "exercises", root / "exercises")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)

    learner = UserFactory(username="ux-learner")
    instructor = InstructorFactory(username="ux-teacher")
    cohort = CohortFactory(name="Autumn Databases", instructor=instructor)
    Membership.objects.create(cohort=cohort, user=learner)
    # Real verdicts (graded inline on real servers): a failed check with its rows and hint,
    # and a plan tree.
    graded = submit_answer(learner, Lab.objects.get(key=SQL_LAB), WRONG_SQL, enforce_limits=False)
    # Two attempts with plans, so the before/after comparison page has something to compare.
    before = submit_answer(learner, Lab.objects.get(key=EXPLAIN_LAB), WRONG_INDEX, enforce_limits=False)
    after = submit_answer(learner, Lab.objects.get(key=EXPLAIN_LAB), RIGHT_INDEX, enforce_limits=False)
    graded.refresh_from_db()
    assert graded.status == Submission.Status.DONE, graded.result

    return UxSite(
        learner=learner,
        instructor=instructor,
        anonymous_pages=["/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"],
        learner_pages=[
            "/",
            "/lessons/rel-joins/",
            "/labs/",
            f"/labs/{SQL_LAB}/",
            f"/labs/{EXPLAIN_LAB}/",
            f"/labs/{EXPLAIN_LAB}/plans/?before={before.pk}&after={after.pk}",
            f"/labs/{EXERCISE}/",
            f"/labs/{MONGO_LAB}/",
            f"/submissions/{graded.pk}/",
            "/progress/",
            "/projects/proj-one/",
            "/projects/proj-one/editor/",
            "/accounts/password_change/",
        ],
        instructor_pages=[
            "/teach/",
            f"/teach/cohorts/{cohort.pk}/",
            f"/teach/cohorts/{cohort.pk}/gradebook/",
            f"/teach/cohorts/{cohort.pk}/settings/",
            f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/",
            f"/teach/cohorts/{cohort.pk}/labs/{SQL_LAB}/",
            f"/teach/cohorts/{cohort.pk}/submissions/{graded.pk}/",
            f"/teach/cohorts/{cohort.pk}/labs/{SQL_LAB}/versions/",
            f"/teach/cohorts/{cohort.pk}/labs/{SQL_LAB}/regrade/confirm/?scope=all",
            f"/teach/cohorts/{cohort.pk}/lms-ids/",
        ],
    )


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")


def watch_csp(page) -> list[str]:
    """Violations on ``page`` from now on: console "Refused to ..." lines and the events."""
    refused: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    return refused


def violations(page, refused: list[str]) -> list[str]:
    return refused + page.evaluate("window.__cspViolations || []")


def visit_all(page, base: str, paths: list[str], refused: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        refused.clear()
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # deferred scripts and htmx's load-triggered requests
        if problems := violations(page, refused):
            found[path] = problems
        # A template comment or tag that leaked into the page (a {# #} comment is one line only).
        text = page.locator("body").inner_text()
        assert not any(mark in text for mark in ("{#", "#}", "{%", "%}")), f"{path}: template syntax shown as text"
    return found


def test_every_page_loads_under_the_policy_with_nothing_refused(live_server, ux_site, browser):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = watch_csp(page)

    response = page.goto(base + "/")
    policy = response.headers["content-security-policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src

    found = visit_all(page, base, ux_site.anonymous_pages, refused)
    log_in(page, base, "ux-learner")
    found |= visit_all(page, base, ux_site.learner_pages, refused)
    log_in(page, base, "ux-teacher")
    found |= visit_all(page, base, ux_site.instructor_pages, refused)
    context.close()
    assert found == {}, f"pages with refused content: {found}"


def test_htmx_and_codemirror_work_under_the_policy(live_server, ux_site, browser):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = watch_csp(page)
    log_in(page, base, "ux-learner")

    # htmx: "Mark as done" swaps its form in place (no page load).
    page.goto(f"{base}/lessons/rel-joins/")
    url = page.url
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_role("button", name="Mark as not done").wait_for()
    assert page.url == url

    # CodeMirror replaces the textarea, highlights SQL, and an htmx submit brings a verdict.
    page.goto(f"{base}/labs/{SQL_LAB}/")
    page.wait_for_load_state("load")
    editor = page.locator(".cm-editor .cm-content")
    editor.wait_for()
    assert not page.locator("textarea#answer").is_visible()
    assert page.locator(".cm-editor .cm-line span").count() > 0  # tokens carry highlight classes
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(WRONG_SQL)
    page.get_by_role("button", name="Run (not graded)").click()
    page.locator("#verdict").get_by_text("Ran your answer").wait_for(timeout=60_000)
    assert page.url == f"{base}/labs/{SQL_LAB}/"

    # The invite link selects itself on click (its handler used to be an onclick attribute).
    log_in(page, base, "ux-teacher")
    page.goto(f"{base}/teach/")
    page.get_by_role("link", name="Autumn Databases").first.click()
    invite = page.get_by_label("Invite link")
    invite.click()
    selected = page.evaluate("(() => { const f = document.querySelector('input.invite'); "
                             "return f.selectionEnd - f.selectionStart; })()")
    assert selected == len(invite.input_value()) > 0
    problems = violations(page, refused)
    context.close()
    assert problems == []
