"""A newcomer in a real browser: sign up, open a lesson, mark it done, see progress move."""

import pytest

from apps.courses.models import LessonCompletion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_read_a_lesson_mark_it_done_and_see_progress(live_server, synced_course, page):
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill("a-long-enough-pass-42")
    page.get_by_label("Password confirmation").fill("a-long-enough-pass-42")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("Welcome, newcomer!").wait_for()
    assert "0 of 3 lessons done" in page.locator(".progress-line").inner_text()

    page.get_by_role("link", name="Joins").click()
    page.get_by_role("heading", name="Joins", level=1).wait_for()
    url_before = page.url
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_role("button", name="Mark as not done").wait_for()  # swapped in by htmx
    assert page.url == url_before  # no full page load
    assert LessonCompletion.objects.filter(user__username="newcomer", lesson__key="rel-joins").exists()

    page.get_by_role("link", name="My progress").click()
    assert "1 of 3 lessons done (33%)" in page.locator(".progress-line").inner_text()
    page.get_by_role("link", name="Course map").first.click()
    assert page.locator("li.done a").inner_text() == "Joins"
