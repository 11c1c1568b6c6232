"""The gradebook's exercises: one column per week instead of one per exercise, a total in
which all exercises together weigh what the cohort says (by default an average lab), and
the hints each learner revealed."""

import csv
import io

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab, Lesson
from apps.dashboard import gradebook
from apps.grading.models import HintReveal, Submission
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(synced_course):
    """Two labs (10 and 20 points) and three exercises of 5 points: two in week 1, one in week 2."""
    week1, week2 = Lesson.objects.get(key="rel-keys"), Lesson.objects.get(key="rel-joins")

    def make(key, kind, points, lesson):
        return Lab.objects.create(
            key=key, title=key.title(), engine="postgres", topology="database", kind=kind, points=points, lesson=lesson
        )

    return {
        "lab-a": make("lab-a", "lab", 10, week1),
        "lab-b": make("lab-b", "lab", 20, week2),
        "ex-1": make("ex-1", "exercise", 5, week1),
        "ex-2": make("ex-2", "exercise", 5, week1),
        "ex-3": make("ex-3", "exercise", 5, week2),
    }


@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"), name="Spring cohort")


def member(cohort, username: str):
    user = UserFactory(username=username)
    Membership.objects.create(cohort=cohort, user=user)
    return user


def graded(user, lab, score: float) -> Submission:
    return Submission.objects.create(
        user=user,
        lab=lab,
        answer="SELECT 1",
        status="done",
        score=score,
        counted=True,
        result={"score": score, "gradable": True, "status": "graded", "message": "", "checks": []},
    )


@pytest.fixture
def ada(course, cohort):
    ada = member(cohort, "ada")
    graded(ada, course["lab-a"], 1.0)
    graded(ada, course["ex-1"], 1.0)
    graded(ada, course["ex-2"], 0.5)
    for step in (1, 2):
        HintReveal.objects.create(user=ada, lab=course["ex-1"], step=step)
    HintReveal.objects.create(user=UserFactory(username="outsider"), lab=course["ex-1"], step=1)
    return ada


def test_exercises_are_one_column_per_week_and_labs_keep_their_own(course, cohort, ada):
    book = gradebook.build_gradebook(cohort)
    assert [lab.key for lab in book.labs] == ["lab-a", "lab-b"]
    assert [(g.label, [e.key for e in g.exercises]) for g in book.exercise_groups] == [
        ("Week 1 exercises", ["ex-1", "ex-2"]),
        ("Week 2 exercises", ["ex-3"]),
    ]
    (row,) = book.rows
    assert [(c.solved, c.tried, len(c.cells)) for c in row.exercises] == [(1, 2, 2), (0, 0, 1)]
    assert row.passed == 1 and row.solved == 1


def test_all_exercises_together_weigh_an_average_lab_by_default(course, cohort, ada):
    book = gradebook.build_gradebook(cohort)
    assert book.exercise_points == 15  # (10 + 20) / 2
    assert book.points_possible == 10 + 20 + 15
    (row,) = book.rows
    # 7.5 of the exercises' 15 raw points: half of what they are worth.
    assert row.exercise_credit == 7.5 and row.points == 10 + 7.5


def test_the_instructor_sets_what_exercises_are_worth_and_a_bad_value_changes_nothing(course, cohort, ada, client):
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/gradebook/weights/"
    saved = client.post(url, {"exercise_points": "30"}, follow=True).content.decode()
    assert "all exercises together are worth 30 points" in saved
    cohort.refresh_from_db()
    assert gradebook.build_gradebook(cohort).rows[0].points == 10 + 15
    refused = client.post(url, {"exercise_points": "lots"}, follow=True).content.decode()
    assert "must be a whole number" in refused
    cohort.refresh_from_db()
    assert cohort.exercise_points == 30
    client.post(url, {"exercise_points": ""})
    cohort.refresh_from_db()
    assert cohort.exercise_points is None and gradebook.build_gradebook(cohort).exercise_points == 15
    client.force_login(InstructorFactory(username="other"))
    assert client.post(url, {"exercise_points": "0"}).status_code == 404
    cohort.refresh_from_db()
    assert cohort.exercise_points is None


def test_the_page_has_week_columns_the_rule_of_the_total_and_hints(course, cohort, ada, client):
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/gradebook/").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert "Week 1 exercises" in head and "Week 2 exercises" in head
    assert "Ex-1" not in head  # no column per exercise
    # learner, points, labs passed, exercises, 2 labs, 2 weeks, 1 project, last activity
    assert head.count("<th ") == 10
    assert "all 3 together are worth 15 points (an average lab)" in page
    assert "· 2 hints" in page  # ada's two hint steps, not the outsider's


def test_sorting_by_a_weeks_exercises(course, cohort, ada):
    bob = member(cohort, "bob")
    graded(bob, course["ex-3"], 1.0)
    book = gradebook.build_gradebook(cohort)
    names = lambda rows: [r.learner.username for r in rows]  # noqa: E731
    assert names(gradebook.filter_and_sort(book, sort="week:1", desc=True)) == ["ada", "bob"]
    assert names(gradebook.filter_and_sort(book, sort="week:2", desc=True)) == ["bob", "ada"]


def test_both_exports_carry_the_exercises_weighted_and_the_hints(course, cohort, ada):
    book = gradebook.build_gradebook(cohort)
    (row,) = list(csv.DictReader(io.StringIO(gradebook.export_gradebook_csv(book))))
    assert row["Points"] == "17.5" and row["Points possible"] == "45" and row["Lab points"] == "10"
    assert row["Exercise points (of 15)"] == "7.5" and row["Exercises solved (of 3)"] == "1"
    assert row["Hints revealed"] == "2" and row["Week 1 exercises (solved of 2)"] == "1"
    assert "Ex-1 (best %)" not in row
    header, points, line = list(csv.reader(io.StringIO(gradebook.export_canvas_csv(book))))
    column = header.index("Exercises")
    assert points[column] == "15" and line[column] == "7.50"
    assert "Ex-1" not in header


def test_the_learner_page_lists_the_hints_revealed_per_exercise(course, cohort, ada, client):
    Lab.objects.filter(key="ex-1").update(hints=["Think of keys.", "Use a PRIMARY KEY.", "Here it is."])
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/learners/{ada.pk}/").content.decode()
    assert "Ex-1: 2 of 3 hints" in page and "Ex-2:" not in page
