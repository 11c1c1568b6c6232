"""Issue 13 item 4: the instructor chooses per cohort and lab when learners see the worked
solution (never, after they solve it, after the deadline, now; by default as before: an
exercise's explained answer after passing, a lab's reference answer never). A hidden solution
is nowhere in the page's HTML, not merely hidden by CSS."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.dashboard.models import FeedbackMode, LabPolicy, SolutionRelease
from apps.grading.models import Submission
from tests.apps.factories import CohortFactory, UserFactory
from tests.conftest import FIXTURE_LABS
from tests.course_builder import write_course

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXERCISE, LAB = "ex-customers-without-orders", "site-orders-per-customer"
EXPLANATION_MARK = "This shape is called an"  # only explanation.md says it
LAB_SOLUTION_MARK = "LEFT JOIN orders o ON o.customer_id = c.id"  # only the lab's solution.sql says it


@pytest.fixture
def course(tmp_path, settings):
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_LABS, root / "labs")
    shutil.copytree(FIXTURES / "course" / "exercises", root / "exercises")
    settings.CURRICULUM_DIR = root
    sync_curriculum(root)
    return root


def learner_in_cohort(key: str, **policy) -> tuple:
    """A learner in a cohort whose rule on ``key`` is ``policy`` (no row when empty)."""
    learner, cohort = UserFactory(), CohortFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    if policy:
        LabPolicy.objects.create(cohort=cohort, lab=Lab.objects.get(key=key), **policy)
    return learner, cohort


def record_pass(learner, key: str) -> None:
    """A graded answer that scored 1.0, as the worker writes it."""
    lab = Lab.objects.get(key=key)
    Submission.objects.create(user=learner, lab=lab, answer="SELECT 1;", status="done", score=1.0, counted=True)


def page_of(client, learner, key: str) -> str:
    client.force_login(learner)
    response = client.get(f"/labs/{key}/")
    assert response.status_code == 200
    return response.content.decode()


def test_by_default_an_exercise_explains_its_answer_only_after_a_pass(client, course):
    learner, _ = learner_in_cohort(EXERCISE)
    page = page_of(client, learner, EXERCISE)
    assert EXPLANATION_MARK not in page
    assert "The worked answer and its reasoning appear here once one of your answers scores 100%." in page
    record_pass(learner, EXERCISE)
    page = page_of(client, learner, EXERCISE)
    assert '<h2 id="explanation-heading">Explained answer</h2>' in page and EXPLANATION_MARK in page


def test_by_default_a_labs_reference_answer_is_never_shown_even_after_a_pass(client, course):
    learner, _ = learner_in_cohort(LAB)
    record_pass(learner, LAB)
    page = page_of(client, learner, LAB)
    assert LAB_SOLUTION_MARK not in page and "Worked solution" not in page and "worked-solution" not in page


@pytest.mark.parametrize("key", [EXERCISE, LAB])
def test_never_hides_the_solution_from_a_learner_who_passed(client, course, key):
    learner, _ = learner_in_cohort(key, solution=SolutionRelease.NEVER)
    record_pass(learner, key)
    page = page_of(client, learner, key)
    assert EXPLANATION_MARK not in page and LAB_SOLUTION_MARK not in page
    if key == EXERCISE:  # the exercise says so instead of promising it after a pass
        assert "Your instructor does not show the worked answer for this exercise." in page
        assert "appear here once" not in page


def test_after_passing_shows_a_labs_reference_answer_only_once_the_learner_solved_it(client, course):
    learner, _ = learner_in_cohort(LAB, solution=SolutionRelease.AFTER_PASSING)
    page = page_of(client, learner, LAB)
    assert LAB_SOLUTION_MARK not in page
    assert "The worked solution appears here once one of your answers scores 100%." in page
    Submission.objects.create(user=learner, lab=Lab.objects.get(key=LAB), answer="x", status="done", score=0.5)
    assert LAB_SOLUTION_MARK not in page_of(client, learner, LAB)  # tried, not solved
    record_pass(learner, LAB)
    page = page_of(client, learner, LAB)
    assert '<h2 id="explanation-heading">Worked solution</h2>' in page and LAB_SOLUTION_MARK in page


def test_after_passing_waits_while_the_instructor_withholds_the_verdict(client, course):
    """Showing the solution would tell the learner they passed."""
    due = timezone.now() + timedelta(days=1)
    learner, _ = learner_in_cohort(
        EXERCISE, solution=SolutionRelease.AFTER_PASSING, feedback=FeedbackMode.AFTER_DEADLINE, due_at=due
    )
    record_pass(learner, EXERCISE)
    assert EXPLANATION_MARK not in page_of(client, learner, EXERCISE)


@pytest.mark.parametrize("key", [EXERCISE, LAB])
def test_after_the_deadline_shows_it_to_everyone_then_and_to_nobody_before(client, course, key):
    lab = Lab.objects.get(key=key)
    passed, cohort = learner_in_cohort(key)
    record_pass(passed, key)
    policy = LabPolicy.objects.create(
        cohort=cohort, lab=lab, solution=SolutionRelease.AFTER_DEADLINE, due_at=timezone.now() + timedelta(hours=2)
    )
    never_tried = UserFactory()
    Membership.objects.create(cohort=cohort, user=never_tried)
    for learner in (passed, never_tried):
        page = page_of(client, learner, key)
        assert EXPLANATION_MARK not in page and LAB_SOLUTION_MARK not in page
        assert "appears here after the deadline" in page
    policy.due_at = timezone.now() - timedelta(minutes=1)
    policy.save()
    mark = EXPLANATION_MARK if key == EXERCISE else LAB_SOLUTION_MARK
    for learner in (passed, never_tried):
        assert mark in page_of(client, learner, key)


def test_an_extension_keeps_the_solution_from_the_learner_until_their_own_deadline(client, course):
    from apps.grading.models import LabExtension

    lab = Lab.objects.get(key=LAB)
    learner, cohort = learner_in_cohort(
        LAB, solution=SolutionRelease.AFTER_DEADLINE, due_at=timezone.now() - timedelta(hours=1)
    )
    LabExtension.objects.create(
        cohort=cohort, learner=learner, lab=lab, due_at=timezone.now() + timedelta(days=2), granted_by=cohort.instructor
    )
    assert LAB_SOLUTION_MARK not in page_of(client, learner, LAB)
    classmate = UserFactory()
    Membership.objects.create(cohort=cohort, user=classmate)
    assert LAB_SOLUTION_MARK in page_of(client, classmate, LAB)


@pytest.mark.parametrize("key", [EXERCISE, LAB])
def test_now_shows_it_to_a_learner_who_has_not_attempted(client, course, key):
    learner, _ = learner_in_cohort(key, solution=SolutionRelease.NOW)
    page = page_of(client, learner, key)
    assert (EXPLANATION_MARK if key == EXERCISE else LAB_SOLUTION_MARK) in page


def test_a_learner_in_two_cohorts_sees_it_only_when_both_allow(client, course):
    learner, _ = learner_in_cohort(LAB, solution=SolutionRelease.NOW)
    other = CohortFactory()
    Membership.objects.create(cohort=other, user=learner)
    LabPolicy.objects.create(cohort=other, lab=Lab.objects.get(key=LAB), solution=SolutionRelease.NEVER)
    assert LAB_SOLUTION_MARK not in page_of(client, learner, LAB)


def test_the_reference_answer_is_printed_escaped(client, course):
    solution = Path(course) / "labs" / "sql-orders-per-customer" / "solution.sql"
    solution.write_text("-- <script>alert(1)</script> & more\n" + solution.read_text())
    learner, _ = learner_in_cohort(LAB, solution=SolutionRelease.NOW)
    page = page_of(client, learner, LAB)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page and "<script>alert(1)" not in page


def test_the_instructor_chooses_the_release_on_the_deadlines_page(client, course):
    lab = Lab.objects.get(key=LAB)
    cohort = CohortFactory()
    client.force_login(cohort.instructor)
    page = client.get(f"/teach/cohorts/{cohort.pk}/settings/").content.decode()
    assert f'name="lab-{lab.pk}-solution"' in page and "After the learner solves it" in page
    url = f"/teach/cohorts/{cohort.pk}/settings/"
    refused = client.post(url, {f"lab-{lab.pk}-solution": SolutionRelease.AFTER_DEADLINE})
    assert refused.status_code == 422
    assert "showing the solution “after the deadline” needs a deadline" in refused.content.decode()
    assert not LabPolicy.objects.filter(cohort=cohort, lab=lab).exists()
    client.post(url, {f"lab-{lab.pk}-solution": SolutionRelease.NOW})
    assert LabPolicy.objects.get(cohort=cohort, lab=lab).solution == SolutionRelease.NOW
    page = client.get(url).content.decode()
    assert '<option value="now" selected>Now</option>' in page
    # Labs the instructor left alone keep the platform default.
    other = Lab.objects.get(key=EXERCISE)
    assert LabPolicy.objects.get(cohort=cohort, lab=other).solution == SolutionRelease.STANDARD


def test_a_passing_verdict_brings_a_labs_released_solution_into_the_page_without_a_reload(client, course):
    """The verdict's htmx fragment swaps the solution section in out of band, as it does the
    exercise's hints; a failing verdict leaves it waiting."""
    learner, _ = learner_in_cohort(LAB, solution=SolutionRelease.AFTER_PASSING)
    lab = Lab.objects.get(key=LAB)
    client.force_login(learner)
    tried = Submission.objects.create(user=learner, lab=lab, answer="x", status="done", score=0.5)
    fragment = client.get(f"/submissions/{tried.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="worked-solution" aria-labelledby="explanation-heading" hx-swap-oob="true"' in fragment
    assert LAB_SOLUTION_MARK not in fragment
    solved = Submission.objects.create(user=learner, lab=lab, answer="y", status="done", score=1.0)
    fragment = client.get(f"/submissions/{solved.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="true"' in fragment and LAB_SOLUTION_MARK in fragment
