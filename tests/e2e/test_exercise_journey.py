"""Issue 12 in a real browser: a learner fails an exercise, unlocks and reads a hint, passes and
reads the explained answer, all on one page that updates without a reload. Grading is real (a
PostgreSQL sandbox), inline in the request (eager), so no worker starts."""

import shutil

import pytest

from apps.courses.services import sync_curriculum
from apps.grading.models import HintReveal
from tests.apps.factories import UserFactory
from tests.apps.test_exercise_page import EXERCISE, EXPLANATION_MARK, FIXTURE_EXERCISES, NOT_IN, SOLUTION
from tests.course_builder import write_course
from tests.e2e.test_every_lab_in_browser import log_in
from tests.e2e.test_lab_journey import fill_answer

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exercise_site(tmp_path, settings):
    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_EXERCISES, root / "exercises")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    return root


def test_fail_unlock_a_hint_pass_and_read_the_explanation(live_server, exercise_site, page):
    learner = UserFactory(username="practiser")
    base = live_server.url
    log_in(page, base, "practiser")

    # The lesson ends with its practice; the exercise is one click away.
    page.goto(f"{base}/lessons/rel-joins/")
    practice = page.locator("section.practice")
    assert "not tried" in practice.inner_text()
    practice.get_by_role("link", name="Customers who never ordered").click()
    page.get_by_role("heading", name="Customers who never ordered", level=1).wait_for()
    url = page.url
    assert "Hint 1 of 3 unlocks after 1 more graded attempt" in page.locator("#exercise-help").inner_text()
    assert EXPLANATION_MARK not in page.content()

    # A wrong answer: 0%, and the first hint unlocks in place.
    fill_answer(page, NOT_IN)
    page.get_by_role("button", name="Submit").click()
    page.locator("#verdict").get_by_text("Score: 0%").wait_for(timeout=60_000)
    show = page.get_by_role("button", name="Show a hint (1 of 3)")
    show.wait_for()
    show.click()
    page.locator(".hint-ladder li").first.wait_for()
    assert page.locator(".hint-ladder li").first.inner_text().startswith("Start from customers, not from orders")
    assert "Hint 2 of 3 unlocks after 1 more graded attempt" in page.locator("#exercise-help").inner_text()
    assert list(HintReveal.objects.filter(user=learner).values_list("step", flat=True)) == [1]
    assert EXPLANATION_MARK not in page.content()

    # The right answer: 100%, and the explained answer appears without a reload.
    fill_answer(page, SOLUTION)
    page.get_by_role("button", name="Submit").click()
    page.locator("#verdict").get_by_text("Score: 100%").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Explained answer").wait_for()
    explanation = page.locator("section.explanation")
    explanation.get_by_text(EXPLANATION_MARK).wait_for()
    explanation.get_by_role("heading", name="The trap").wait_for()
    assert page.url == url

    # Everything stays after a reload, and the lesson and /labs/ say "passed".
    page.reload()
    assert page.locator(".hint-ladder li").count() == 1
    assert EXPLANATION_MARK in page.locator("section.explanation").inner_text()
    page.goto(f"{base}/labs/")
    assert page.locator(f'li[data-key="{EXERCISE}"] .state-badge').inner_text() == "passed"
    page.goto(f"{base}/lessons/rel-joins/")
    assert "passed" in page.locator("section.practice").inner_text()
