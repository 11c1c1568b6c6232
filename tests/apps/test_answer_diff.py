"""Issue 13 item 4: what changed in the answer between two attempts, for the learner (their
own attempts) and for their instructor (a learner's graded attempts). The diff is computed on
the server and printed escaped: answers are hostile text."""

import shutil

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.grading.answer_diff import MAX_LINES, diff_answers
from apps.grading.models import Submission
from tests.apps.factories import CohortFactory, UserFactory
from tests.conftest import FIXTURE_LABS
from tests.course_builder import write_course

LAB = "site-orders-per-customer"
FIRST = "SELECT c.name, count(*)\nFROM customers c\nJOIN orders o ON o.customer_id = c.id\nGROUP BY c.name;\n"
SECOND = (
    "SELECT c.name, count(o.id)\nFROM customers c\nLEFT JOIN orders o ON o.customer_id = c.id\n"
    "GROUP BY c.id, c.name\nORDER BY c.name;\n"
)


def test_the_diff_lists_removed_then_added_lines_with_both_line_numbers():
    diff = diff_answers(FIRST, SECOND)
    assert (diff.added, diff.removed) == (4, 3)
    kinds = [(line.kind, line.old, line.new, line.text) for line in diff.lines]
    assert kinds[0] == ("removed", 1, None, "SELECT c.name, count(*)")
    assert ("same", 2, 2, "FROM customers c") in kinds
    assert ("added", None, 5, "ORDER BY c.name;") in kinds


def test_far_apart_changes_keep_three_lines_of_context_and_mark_the_gaps():
    before = "\n".join(f"line {n}" for n in range(1, 31))
    after = before.replace("line 2\n", "line two\n").replace("line 25", "line twenty-five")
    lines = diff_answers(before, after).lines
    shown = [line.text for line in lines if line.kind == "same"]
    assert "line 5" in shown and "line 6" not in shown and "line 22" in shown and "line 21" not in shown
    assert [line.kind for line in lines].count("gap") == 2  # between the changes, and after the last
    assert "line 28" in shown and "line 29" not in shown


def test_identical_answers_have_no_lines_and_windows_line_ends_do_not_count_as_changes():
    assert diff_answers(FIRST, FIRST).identical and diff_answers(FIRST, FIRST).lines == []
    assert diff_answers(FIRST, FIRST.replace("\n", "\r\n")).identical


def test_a_huge_answer_is_compared_up_to_the_line_limit_and_long_lines_are_clipped():
    huge = "\n".join(f"SELECT {n};" for n in range(MAX_LINES + 500))
    diff = diff_answers("SELECT 0;", huge)
    assert diff.clipped and diff.added == MAX_LINES - 1
    long_line = diff_answers("a", "x" * 10_000).lines[-1].text
    assert len(long_line) < 500 and long_line.endswith("…")


@pytest.fixture
def course(tmp_path, settings, db):
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_LABS, root / "labs")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    return root


def attempt(user, answer: str, kind: str = "submit") -> Submission:
    lab = Lab.objects.get(key=LAB)
    return Submission.objects.create(user=user, lab=lab, answer=answer, kind=kind, status="done", score=0.0)


HOSTILE = "SELECT '<script>alert(\"x\")</script>' AS name; -- </code></td></tr></table><img src=x onerror=alert(1)>\n"


def test_the_learner_sees_the_latest_attempt_against_the_one_before_by_default(client, course):
    learner = UserFactory()
    attempt(learner, FIRST)
    middle = attempt(learner, SECOND)
    attempt(learner, SECOND + HOSTILE)
    client.force_login(learner)
    page = client.get(f"/labs/{LAB}/changes/").content.decode()
    assert "1 line added</span>, <span" in page and "0 lines removed" in page
    # Escaped, so the hostile answer is text in the page and no markup of its own.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page and "<script>alert(" not in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    # Picking a pair: the middle attempt against the first one.
    page = client.get(f"/labs/{LAB}/changes/", {"after": middle.pk}).content.decode()
    assert "4 lines added" in page and "3 lines removed" in page and "&lt;script&gt;" not in page


def test_the_attempts_list_and_an_attempts_page_link_to_the_changes(client, course):
    learner = UserFactory()
    first = attempt(learner, FIRST)
    second = attempt(learner, SECOND, kind="run")
    client.force_login(learner)
    lab_page = client.get(f"/labs/{LAB}/").content.decode()
    assert f'href="/labs/{LAB}/changes/?after={second.pk}"' in lab_page
    assert f'href="/labs/{LAB}/changes/?after={first.pk}"' not in lab_page  # nothing before the first
    detail = client.get(f"/submissions/{second.pk}/").content.decode()
    assert f"/labs/{LAB}/changes/?after={second.pk}" in detail


def test_a_learner_cannot_pick_someone_elses_attempt(client, course):
    learner, other = UserFactory(), UserFactory()
    mine = attempt(learner, FIRST)
    theirs = attempt(other, "SELECT 'their secret answer';")
    client.force_login(learner)
    page = client.get(f"/labs/{LAB}/changes/", {"before": theirs.pk, "after": mine.pk}).content.decode()
    assert "their secret answer" not in page
    assert "once there are two attempts" in page


def test_the_instructor_compares_a_learners_graded_attempts(client, course):
    cohort = CohortFactory()
    learner = UserFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    attempt(learner, FIRST)
    attempt(learner, "SELECT 'a draft run';", kind="run")  # a Run is not a graded attempt
    second = attempt(learner, SECOND)
    url = f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/labs/{LAB}/changes/"
    client.force_login(cohort.instructor)
    learner_page = client.get(f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/").content.decode()
    assert f"{url}?after={second.pk}" in learner_page
    review = client.get(f"/teach/cohorts/{cohort.pk}/submissions/{second.pk}/").content.decode()
    assert f"{url}?after={second.pk}" in review
    page = client.get(url, {"after": second.pk}).content.decode()
    assert "4 lines added" in page and "3 lines removed" in page and "a draft run" not in page
    # Another instructor, and a learner outside the cohort, get nothing.
    client.force_login(CohortFactory().instructor)
    assert client.get(url).status_code == 404
    client.force_login(cohort.instructor)
    stranger = UserFactory()
    assert client.get(f"/teach/cohorts/{cohort.pk}/learners/{stranger.pk}/labs/{LAB}/changes/").status_code == 404
