"""A learner solves a lab in a real browser: a failing verdict with a hint appears live,
then the fixed answer reaches a score of 100%, graded by a real worker in a real sandbox."""

import pytest

from apps.grading.models import Submission
from tests.apps.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRONG = "SELECT c.name, count(o.id) AS orders FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.name ORDER BY c.name;"  # noqa: E501
FIXED = WRONG.replace(" JOIN orders", " LEFT JOIN orders")


def fill_answer(page, text: str) -> None:
    # The editor script is deferred: only after "load" is it certain whether CodeMirror has
    # replaced the textarea (asking earlier raced it and typed into a textarea being hidden).
    page.wait_for_load_state("load")
    editor = page.locator(".cm-content")
    if editor.count():  # CodeMirror upgraded the textarea
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(text)
    else:
        page.get_by_label("Your answer").fill(text)


def test_fail_with_a_hint_then_fix_and_score_full_marks(live_server, start_worker, page):
    start_worker()
    UserFactory(username="solver")
    page.goto(f"{live_server.url}/accounts/login/?next=/labs/site-orders-per-customer/")
    page.get_by_label("Username").fill("solver")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Orders per customer").wait_for()
    lab_url = page.url

    fill_answer(page, WRONG)
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Score: 0%").wait_for(timeout=30_000)
    assert page.url == lab_url  # the verdict arrived without a reload
    assert "expected row missing" in page.locator("#verdict").inner_text()
    assert page.locator("#verdict .check.fail").count() == 1

    fill_answer(page, FIXED)
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Score: 100%").wait_for(timeout=30_000)
    assert list(Submission.objects.order_by("created_at").values_list("score", flat=True)) == [0.0, 1.0]
