"""Instructor overrides are scoped: an instructor of a second cohort that shares a learner
cannot change what the first cohort's gradebook shows. Comments stay possible and are
recorded against the cohort they were written for."""


import pytest
from django.core.exceptions import PermissionDenied

from apps.accounts.models import Membership
from apps.dashboard import gradebook
from apps.dashboard.services import SCORE_NOT_YOURS, ReviewInvalid, may_change_score, review_submission
from apps.grading.models import Review, Submission
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db



@pytest.fixture
def shared(lab):
    """Ada is in cohort A (taught by alice) and cohort B (taught by bert)."""
    first = CohortFactory(name="A", instructor=InstructorFactory(username="alice"))
    second = CohortFactory(name="B", instructor=InstructorFactory(username="bert"))
    ada = UserFactory(username="ada")
    for cohort in (first, second):
        Membership.objects.create(cohort=cohort, user=ada)
    submission = Submission.objects.create(
        user=ada,
        lab=lab,
        answer="SELECT 1",
        status=Submission.Status.DONE,
        score=0.5,
        counted=True,
        result={"score": 0.5, "gradable": True, "status": "graded", "message": "", "checks": []},
    )
    return first, second, ada, submission


def best_in(cohort, lab) -> float | None:
    book = gradebook.build_gradebook(cohort)
    return book.rows[0].labs[book.labs.index(lab)].best


def review_url(cohort, submission) -> str:
    return f"/teach/cohorts/{cohort.pk}/submissions/{submission.pk}/"


@pytest.mark.parametrize("action", ["set", "clear"])
def test_the_second_cohorts_instructor_cannot_change_the_first_cohorts_gradebook(client, lab, shared, action):
    first, second, _ada, submission = shared
    Submission.objects.filter(pk=submission.pk).update(override_score=0.8 if action == "clear" else None)
    before = best_in(first, lab)
    client.force_login(second.instructor)
    form = {"text": "Full marks.", "score_action": action, "score": "0"}
    response = client.post(review_url(second, submission), form)
    assert response.status_code == 422
    assert "only an instructor of all their cohorts can change it" in response.content.decode()
    assert best_in(first, lab) == before and best_in(second, lab) == before
    assert not Review.objects.exists()


def test_the_first_cohorts_instructor_is_refused_too_while_the_learner_is_shared(lab, shared):
    first, _second, _ada, submission = shared
    with pytest.raises(ReviewInvalid, match="do not teach"):
        review_submission(submission, first.instructor, "Zero.", cohort=first, score_action="set", score_percent="0")
    submission.refresh_from_db()
    assert submission.override_score is None


def test_a_comment_is_still_allowed_and_recorded_against_its_cohort(client, shared):
    first, second, ada, submission = shared
    client.force_login(second.instructor)
    page = client.get(review_url(second, submission)).content.decode()
    assert 'id="score-not-yours"' in page and 'value="set"' not in page  # no override control offered
    response = client.post(review_url(second, submission), {"text": "Nice join from B.", "score_action": "keep"})
    assert response.status_code == 302
    [review] = Review.objects.all()
    assert review.cohort == second and not review.changes_score
    # The first cohort's review page lists its own comments only; the learner sees every one.
    client.force_login(first.instructor)
    assert "Nice join from B." not in client.get(review_url(first, submission)).content.decode()
    client.force_login(ada)
    assert "Nice join from B." in client.get(f"/submissions/{submission.pk}/").content.decode()


def test_an_instructor_of_every_cohort_of_the_learner_may_override(client, lab, shared):
    first, second, ada, submission = shared
    Membership.objects.filter(cohort=second, user=ada).delete()
    also_alice = CohortFactory(name="A2", instructor=first.instructor)
    Membership.objects.create(cohort=also_alice, user=ada)
    assert may_change_score(first.instructor, ada) and not may_change_score(second.instructor, ada)
    client.force_login(first.instructor)
    response = client.post(review_url(first, submission), {"text": "Right.", "score_action": "set", "score": "100"})
    assert response.status_code == 302
    assert best_in(first, lab) == 1.0 == best_in(also_alice, lab)
    review = Review.objects.get()
    assert review.cohort == first and (review.score_before, review.score_after) == (0.5, 1.0)


def test_the_service_refuses_a_cohort_that_is_not_the_authors_or_not_the_learners(shared):
    first, second, _ada, submission = shared
    with pytest.raises(PermissionDenied):
        review_submission(submission, second.instructor, "Mine now.", cohort=first)
    elsewhere = CohortFactory(name="C", instructor=second.instructor)
    with pytest.raises(PermissionDenied):
        review_submission(submission, second.instructor, "Not my learner.", cohort=elsewhere)
    assert not Review.objects.exists()


def test_an_instructor_of_no_cohort_of_the_learner_cannot_even_see_the_submission(client, shared):
    _first, _second, _ada, submission = shared
    outsider = CohortFactory(name="D")
    client.force_login(outsider.instructor)
    assert client.get(review_url(outsider, submission)).status_code == 404
    response = client.post(review_url(outsider, submission), {"text": "x", "score_action": "set", "score": "0"})
    assert response.status_code == 404


def test_the_refusal_message_names_no_other_cohort(client, shared):
    _first, second, _ada, submission = shared
    client.force_login(second.instructor)
    page = client.get(review_url(second, submission)).content.decode()
    assert SCORE_NOT_YOURS.split(",")[0] in page and "“A”" not in page and ">A<" not in page
