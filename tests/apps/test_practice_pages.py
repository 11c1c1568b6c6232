"""Issue 12 part 3: where practice shows. The lesson's Practice section, the course map's
per-lesson counts, the /labs/ index and /progress/ follow a learner's real, graded answers
(a PostgreSQL sandbox grades them)."""

import re

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab, LessonCompletion
from apps.courses.services import sync_curriculum
from apps.dashboard.models import FeedbackMode, LabPolicy
from tests.apps.factories import CohortFactory, UserFactory
from tests.apps.test_exercise_page import (  # noqa: F401 - fixtures
    EXERCISE,
    EXPLANATION_MARK,
    NOT_IN,
    SOLUTION,
    exercise_course,
    submit,
)

pytestmark = pytest.mark.django_db

LAB = "site-orders-per-customer"
LAB_SOLUTION = (
    "SELECT c.name, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
    "GROUP BY c.id, c.name ORDER BY c.name;"
)


@pytest.fixture
def joins_practice(exercise_course):  # noqa: F811
    """The Joins lesson gets two graded items: the fixture exercise and the site's lab."""
    toml = exercise_course / "labs/sql-orders-per-customer/lab.toml"
    toml.write_text(toml.read_text().replace("points = 10\n", 'points = 10\nlesson = "rel-joins"\n'))
    sync_curriculum(exercise_course)
    return exercise_course


def states_in(html: str) -> dict[str, str]:
    """key -> state badge of every practice item listed on a page."""
    found = re.findall(r'data-key="([\w-]+)">.*?<span class="badge state-badge [\w-]+">([\w ]+)</span>', html, re.S)
    return dict(found)


def lesson_count(html: str, title: str) -> str:
    """The practice count in the map's list item of one lesson ("" when it shows none)."""
    [item] = [part for part in html.split("<li") if f">{title}</a>" in part]
    match = re.search(r'<span class="practice-count">([^<]+)</span>', item)
    return match.group(1) if match else ""


def test_the_lesson_lists_its_practice_with_the_learners_state(client, joins_practice, submit):  # noqa: F811
    anonymous = client.get("/lessons/rel-joins/").content.decode()
    assert '<h2 id="practice-heading">Practice</h2>' in anonymous
    assert f'href="/labs/{EXERCISE}/"' in anonymous and f'href="/labs/{LAB}/"' in anonymous
    assert states_in(anonymous) == {}  # no state without a learner
    # The exercise (short) comes before the lab, and the section closes the lesson.
    assert anonymous.index(EXERCISE) < anonymous.index(LAB)
    assert anonymous.index("Check yourself</h2>") < anonymous.index('<h2 id="practice-heading">')
    assert '<a href="#practice-heading">Practice</a>' in anonymous  # in the table of contents
    assert "practice-heading" not in client.get("/lessons/rel-keys/").content.decode()

    client.force_login(UserFactory())
    assert states_in(client.get("/lessons/rel-joins/").content.decode()) == {EXERCISE: "not tried", LAB: "not tried"}
    submit(NOT_IN)
    submit(LAB_SOLUTION, key=LAB)
    assert states_in(client.get("/lessons/rel-joins/").content.decode()) == {EXERCISE: "tried", LAB: "passed"}
    submit(SOLUTION)
    assert states_in(client.get("/lessons/rel-joins/").content.decode()) == {EXERCISE: "passed", LAB: "passed"}


def test_the_course_map_counts_graded_items_and_passes_per_lesson(client, joins_practice, submit):  # noqa: F811
    anonymous = client.get("/").content.decode()
    assert lesson_count(anonymous, "Joins") == "2 graded items"
    assert lesson_count(anonymous, "Keys") == ""  # no graded item, no count
    client.force_login(UserFactory())
    assert lesson_count(client.get("/").content.decode(), "Joins") == "0 of 2 passed"
    submit(NOT_IN)
    assert lesson_count(client.get("/").content.decode(), "Joins") == "0 of 2 passed"
    submit(SOLUTION)
    page = client.get("/").content.decode()
    assert lesson_count(page, "Joins") == "1 of 2 passed"
    assert "<strong>1</strong> of 2 <a" in page  # the headline beside lessons done


def test_labs_index_lists_every_item_by_week_and_lesson(client, exercise_course, submit):  # noqa: F811
    anonymous = client.get("/labs/")
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert '<a href="/labs/">Labs &amp; exercises</a>' in html  # in the site nav
    week = html.index("Week 2: Queries")
    assert html.index('<a href="/lessons/rel-joins/">Joins</a>') > week
    assert html.index(f'href="/labs/{EXERCISE}/"') > html.index('<a href="/lessons/rel-joins/">Joins</a>')
    # The site lab names no lesson: it is listed, apart.
    assert html.index("Not tied to a lesson") < html.index(f'href="/labs/{LAB}/"')
    assert "Week 1: Tables" not in html  # a week without graded items has no heading here

    learner = UserFactory()
    client.force_login(learner)
    submit(SOLUTION)
    html = client.get("/labs/").content.decode()
    assert states_in(html) == {EXERCISE: "passed", LAB: "not tried"}
    assert '<strong id="practice-passed">1</strong> of 2 passed' in html
    assert "labs 0 of 1, exercises 1 of 1" in html


def test_progress_counts_labs_and_exercises_passed(client, joins_practice, submit):  # noqa: F811
    learner = UserFactory()
    client.force_login(learner)
    page = client.get("/progress/").content.decode()
    assert '<strong id="overall-percent">0%</strong>' in page
    assert '<strong id="practice-passed">0</strong> of 2 labs and exercises passed (0%)' in page
    submit(NOT_IN)  # tried is not passed
    submit(LAB_SOLUTION, key=LAB)
    submit(SOLUTION)
    page = client.get("/progress/").content.decode()
    assert '<strong id="practice-passed">2</strong> of 2 labs and exercises passed (100%)' in page
    assert '<span id="labs-passed">1 of 1</span>' in page and '<span id="exercises-passed">1 of 1</span>' in page
    # No lesson read, two of two items passed: 2 of 5 things done overall.
    assert '<strong id="overall-percent">40%</strong>' in page
    [relational] = [row for row in page.split("<tr>") if '<th scope="row">Relational</th>' in row]
    assert relational.startswith('<th scope="row">Relational</th><td>0 / 2</td>')
    assert relational.rstrip().endswith("<td>2 / 2</td></tr>")  # the module's labs and exercises passed
    LessonCompletion.objects.create(user=learner, lesson=Lab.objects.get(key=LAB).lesson)
    assert '<strong id="overall-percent">60%</strong>' in client.get("/progress/").content.decode()


def test_withheld_feedback_is_not_leaked_by_states_hints_or_the_explanation(client, joins_practice, submit):  # noqa: F811
    learner = UserFactory()
    cohort = CohortFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    LabPolicy.objects.create(cohort=cohort, lab=Lab.objects.get(key=EXERCISE), feedback=FeedbackMode.HIDDEN)
    client.force_login(learner)
    submit(SOLUTION)
    assert states_in(client.get("/labs/").content.decode())[EXERCISE] == "submitted"
    assert '<strong id="practice-passed">0</strong>' in client.get("/progress/").content.decode()
    page = client.get(f"/labs/{EXERCISE}/").content.decode()
    assert EXPLANATION_MARK not in page
    # Every graded attempt counts toward hints here, so a passing answer unlocks one too.
    assert "Show a hint (1 of 3)" in page


def test_a_deadline_alone_withholds_nothing(client, joins_practice, submit):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    learner = UserFactory()
    cohort = CohortFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    LabPolicy.objects.create(
        cohort=cohort, lab=Lab.objects.get(key=EXERCISE), due_at=timezone.now() + timedelta(days=3)
    )
    client.force_login(learner)
    submit(SOLUTION)
    assert states_in(client.get("/labs/").content.decode())[EXERCISE] == "passed"
    assert EXPLANATION_MARK in client.get(f"/labs/{EXERCISE}/").content.decode()
