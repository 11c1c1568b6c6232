"""A learner sees their query plan as a tree in a real browser: graded by a real worker on a
real PostgreSQL sandbox, the heaviest step highlighted, the raw text one keypress away, then a
before/after comparison of two of their own attempts (before and after the right index)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.apps.factories import PASSWORD, UserFactory
from tests.course_builder import write_course
from tests.e2e.test_lab_journey import fill_answer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCREENSHOTS = os.environ.get("INDEXED_SCREENSHOTS")  # a folder to keep the pages in, to look at them

WRONG = "CREATE INDEX orders_amount_idx ON orders (amount);"
RIGHT = "CREATE INDEX orders_customer_id_idx ON orders (customer_id);"


@pytest.fixture
def lab_course(tmp_path, settings, transactional_db):
    """The site's fixture labs plus an EXPLAIN lab (start_worker grades from this folder)."""
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURES / "site-labs", root / "labs")
    shutil.copytree(FIXTURES / "plan-labs" / "explain-orders", root / "labs" / "explain-orders")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    return root


def snap(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def submit(page, answer: str, score: str) -> None:
    fill_answer(page, answer)
    page.get_by_role("button", name="Submit").click()
    page.get_by_text(f"Score: {score}").wait_for(timeout=60_000)


def test_plan_tree_raw_text_and_before_after_comparison(live_server, start_worker, page):
    start_worker()
    UserFactory(username="planner")
    page.goto(f"{live_server.url}/accounts/login/?next=/labs/site-explain-orders/")
    page.get_by_label("Username").fill("planner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="One customer's orders, straight from an index").wait_for()

    # An index on the wrong column: the tree shows the Seq Scan, heaviest and failing.
    submit(page, WRONG, "0%")
    verdict = page.locator("#verdict")
    tree = verdict.get_by_role("list", name="Query plan (the outlined step failed the check): steps")
    tree.wait_for()
    heaviest = verdict.locator(".plan-node.heaviest > .plan-card")
    assert heaviest.count() == 1
    assert "Seq Scan on orders" in heaviest.inner_text()
    assert "Heaviest:" in heaviest.inner_text() and "This step failed the check" in heaviest.inner_text()
    card = heaviest.inner_text()
    assert "Rows" in card and "est." in card and "actual 6" in card  # 6 orders of customer 4242
    assert "own," in card and "with children" in card and "Buffers" in card
    # ... next to the shape the lab asks for, each item said met or not
    target = verdict.get_by_role("region", name="What the lab's plan must look like")
    assert target.locator("li.fail", has_text="no Seq Scan on orders").count() == 1
    assert target.locator("li.fail").count() >= 2  # no index scan, a Seq Scan still there
    snap(page, "plan-wrong")

    # The raw text, opened from the keyboard.
    raw = verdict.locator("details.plan-raw")
    assert not raw.locator("pre").first.is_visible()
    raw.locator("summary").first.focus()
    page.keyboard.press("Enter")
    text = raw.locator("pre").first
    text.wait_for(state="visible")
    assert "Seq Scan on orders" in text.inner_text() and "Execution Time:" in text.inner_text()
    assert "actual time=" in text.inner_text() and "Buffers: shared" in text.inner_text()

    # The right index: the tree now reads orders through it.
    submit(page, RIGHT, "100%")
    verdict.locator(".plan-node").first.wait_for()
    steps = verdict.locator(".plan-label").all_inner_texts()
    assert any("orders_customer_id_idx" in step for step in steps) and not any("Seq Scan" in s for s in steps)
    assert verdict.locator(".plan-node.heaviest").count() == 1
    assert verdict.locator(".plan-target li.fail").count() == 0

    # From the attempts on the lab page: compare the two plans.
    page.reload()
    page.get_by_role("button", name="Compare plans").click()
    page.get_by_role("heading", name="Compare two plans").wait_for()
    gone = page.get_by_role("heading", name="Steps gone after").locator("xpath=..").inner_text()
    assert "Seq Scan on orders" in gone
    new = page.get_by_role("heading", name="New steps after").locator("xpath=..").inner_text()
    assert "Scan on orders" in new
    buffers = page.get_by_role("row", name="Shared buffers (8 kB pages)")
    assert "less" in buffers.inner_text() and buffers.locator("td.better").count() == 1
    assert page.get_by_role("row", name="Rows returned").locator("td").last.inner_text() == "same"
    before = page.get_by_role("region", name="Before:")
    after = page.get_by_role("region", name="After:")
    assert "Seq Scan on orders" in before.locator(".plan-node.heaviest").inner_text()
    assert "Seq Scan" not in after.locator(".plan-tree").inner_text()
    # narrow screen: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    snap(page, "plan-compare")
