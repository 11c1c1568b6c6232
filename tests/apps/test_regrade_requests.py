"""Regrade requests: a learner asks about a verdict, the cohort's instructor answers,
regrades or overrides, both read the thread, and nobody else can."""


import pytest
from django.core.exceptions import PermissionDenied

from apps.accounts.models import Membership
from apps.grading.models import GradingRun, RegradeRequest, Review, Submission
from apps.grading.regrade_requests import (
    RequestInvalid,
    answer_request,
    ask_about_verdict,
    open_regrade_requests,
    override_from_request,
)
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db

SOLUTION = (FIXTURE_LABS / "sql-orders-per-customer" / "solution.sql").read_text()



@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"))


def learner_in(cohort, username: str):
    learner = UserFactory(username=username)
    Membership.objects.create(cohort=cohort, user=learner)
    return learner


def graded(learner, lab, score: float = 0.0, answer: str = SOLUTION) -> Submission:
    """An attempt an older, stricter version of the lab graded ``score``."""
    result = {"score": score, "gradable": True, "status": "graded", "message": "older lab", "checks": []}
    return Submission.objects.create(
        user=learner, lab=lab, answer=answer, status="done", score=score, counted=True, result=result
    )


def test_a_learner_asks_from_the_attempt_page_and_the_gradebook_feed_lists_it(client, lab, cohort):
    ada = learner_in(cohort, "ada")
    attempt = graded(ada, lab)
    client.force_login(ada)
    page = client.get(f"/submissions/{attempt.pk}/").content.decode()
    assert "Ask about this verdict" in page
    response = client.post(f"/submissions/{attempt.pk}/ask/", {"body": "My join keeps customers without orders."})
    thread = RegradeRequest.objects.get()
    assert response["Location"] == f"/requests/{thread.pk}/"
    assert thread.status == "open" and thread.cohort == cohort
    assert open_regrade_requests(cohort) == {(ada.pk, lab.pk): thread}
    # Asking again joins the live request instead of opening a second one.
    ask_about_verdict(attempt, ada, "Also: the sort is right.")
    assert RegradeRequest.objects.count() == 1 and thread.messages.count() == 2


def test_an_empty_question_is_refused_with_a_reason(client, lab, cohort):
    ada = learner_in(cohort, "ada")
    attempt = graded(ada, lab)
    client.force_login(ada)
    response = client.post(f"/submissions/{attempt.pk}/ask/", {"body": "  "}, follow=True)
    assert "Write a message" in response.content.decode()
    assert not RegradeRequest.objects.exists()


def test_a_learner_cannot_see_or_write_in_another_learners_thread(client, lab, cohort):
    ada, bob = learner_in(cohort, "ada"), learner_in(cohort, "bob")
    attempt = graded(ada, lab)
    thread = ask_about_verdict(attempt, ada, "Why 0%?")
    client.force_login(bob)
    assert client.get(f"/requests/{thread.pk}/").status_code == 404
    assert client.post(f"/requests/{thread.pk}/", {"body": "me too"}).status_code == 404
    assert client.post(f"/submissions/{attempt.pk}/ask/", {"body": "hijack"}).status_code == 404
    with pytest.raises(PermissionDenied):
        ask_about_verdict(attempt, bob, "hijack")
    assert thread.messages.count() == 1
    # Nor may an instructor of another cohort read it.
    client.force_login(CohortFactory().instructor)
    assert client.get(f"/teach/cohorts/{cohort.pk}/requests/{thread.pk}/").status_code == 404


def test_an_instructors_answer_is_shown_to_the_learner(client, lab, cohort):
    ada = learner_in(cohort, "ada")
    thread = ask_about_verdict(graded(ada, lab), ada, "Why 0%?")
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/requests/{thread.pk}/"
    assert "Why 0%?" in client.get(url).content.decode()
    response = client.post(url, {"action": "answer", "body": "Count orders, not rows: use COUNT(o.id)."})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == "answered" and thread.resolution == "answered"
    assert open_regrade_requests(cohort)[(ada.pk, lab.pk)] == thread  # answered, still unresolved

    client.force_login(ada)
    page = client.get(f"/requests/{thread.pk}/").content.decode()
    assert "Count orders, not rows: use COUNT(o.id)." in page and "teacher (instructor)" in page
    client.post(f"/requests/{thread.pk}/", {"body": "Thanks, but I did."})
    thread.refresh_from_db()
    assert thread.status == "open"


def test_an_answer_without_a_message_is_refused_and_nothing_changes(client, lab, cohort):
    ada = learner_in(cohort, "ada")
    thread = ask_about_verdict(graded(ada, lab), ada, "Why 0%?")
    client.force_login(cohort.instructor)
    response = client.post(f"/teach/cohorts/{cohort.pk}/requests/{thread.pk}/", {"action": "answer", "body": ""})
    assert response.status_code == 422 and "Write a message" in response.content.decode()
    thread.refresh_from_db()
    assert thread.status == "open" and thread.messages.count() == 1


def test_regrade_from_the_request_records_a_new_run_and_closes_it_as_regraded(
    client, lab, cohort, django_capture_on_commit_callbacks
):
    """A real sandbox grades the attempt again: the older lab's 0% becomes 100%."""
    ada = learner_in(cohort, "ada")
    attempt = graded(ada, lab, score=0.0)
    thread = ask_about_verdict(attempt, ada, "My answer is right; the checks changed since.")
    client.force_login(cohort.instructor)
    with django_capture_on_commit_callbacks(execute=True):  # Celery is eager in tests
        response = client.post(f"/teach/cohorts/{cohort.pk}/requests/{thread.pk}/", {"action": "regrade"})
    assert response.status_code == 302 and "/regrades/" in response["Location"]
    run = GradingRun.objects.get(submission=attempt)
    assert run.purpose == GradingRun.Purpose.REGRADE and run.outcome == GradingRun.Outcome.GRADED
    attempt.refresh_from_db()
    assert attempt.score == 1.0
    thread.refresh_from_db()
    assert thread.status == "closed" and thread.resolution == "regraded" and thread.regrade_job is not None
    assert open_regrade_requests(cohort) == {}
    client.force_login(ada)
    page = client.get(f"/requests/{thread.pk}/").content.decode()
    assert "I regraded this attempt" in page and "This question is closed" in page


def test_override_from_the_request_goes_through_the_reviewed_override(lab, cohort):
    ada = learner_in(cohort, "ada")
    attempt = graded(ada, lab, score=0.5)
    thread = ask_about_verdict(attempt, ada, "Partial credit for the join?")
    with pytest.raises(RequestInvalid, match="between 0 and 100"):
        override_from_request(thread, cohort.instructor, "Fair point.", "150")
    override_from_request(thread, cohort.instructor, "Fair point: 80%.", "80")
    attempt.refresh_from_db()
    assert attempt.override_score == pytest.approx(0.8)
    review = Review.objects.get(submission=attempt)
    assert review.changes_score and review.text == "Fair point: 80%." and review.cohort == cohort
    thread.refresh_from_db()
    assert thread.status == "closed" and thread.resolution == "overridden"
    with pytest.raises(RequestInvalid, match="already closed"):
        answer_request(thread, cohort.instructor, "One more thing")


def test_only_the_cohorts_instructor_may_act(lab, cohort):
    ada = learner_in(cohort, "ada")
    thread = ask_about_verdict(graded(ada, lab), ada, "Why?")
    for intruder in (CohortFactory().instructor, ada):
        with pytest.raises(PermissionDenied):
            answer_request(thread, intruder, "Because.")
    assert thread.messages.count() == 1


LOGIN = "login"
TEACHER_ONLY = {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "other_instructor": 404}


@pytest.mark.parametrize(
    "method, url, expected",
    [
        ("get", "/requests/{thread}/", {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "instructor": 404}),
        ("post", "/requests/{thread}/", {"anonymous": LOGIN, "learner": 302, "other_learner": 404, "instructor": 404}),
        ("post", "/submissions/{attempt}/ask/", {"anonymous": LOGIN, "learner": 302, "other_learner": 404}),
        ("get", "/teach/cohorts/{cohort}/requests/", {**TEACHER_ONLY, "instructor": 200}),
        ("get", "/teach/cohorts/{cohort}/requests/{thread}/", {**TEACHER_ONLY, "instructor": 200}),
        ("post", "/teach/cohorts/{cohort}/requests/{thread}/", {**TEACHER_ONLY, "instructor": 302}),
        ("get", "/teach/cohorts/{cohort}/labs/{lab}/extensions/", {**TEACHER_ONLY, "instructor": 200}),
        ("post", "/teach/cohorts/{cohort}/labs/{lab}/extensions/", {**TEACHER_ONLY, "instructor": 302}),
    ],
)
def test_who_may_reach_each_request_and_extension_page(client, lab, cohort, method, url, expected):
    ada = learner_in(cohort, "ada")
    other_cohort = CohortFactory()
    actors = {
        "anonymous": None,
        "learner": ada,
        "other_learner": learner_in(other_cohort, "bob"),
        "instructor": cohort.instructor,
        "other_instructor": other_cohort.instructor,
    }
    attempt = graded(ada, lab)
    thread = ask_about_verdict(attempt, ada, "Why?")
    path = url.format(thread=thread.pk, attempt=attempt.pk, cohort=cohort.pk, lab=lab.key)
    action = "limit" if "extensions" in path else "answer"
    form = {"body": "A message.", "action": action, "max_attempts": "3"}
    for actor, want in expected.items():
        client.logout()
        if actors[actor] is not None:
            client.force_login(actors[actor])
        response = getattr(client, method)(path, form if method == "post" else None)
        if want == LOGIN:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], actor
        else:
            assert response.status_code == want, (actor, response.status_code)
        assert "Why?" not in response.content.decode() or actor in ("learner", "instructor"), actor


def test_a_form_without_its_csrf_token_is_refused(lab, cohort):
    from django.test import Client

    ada = learner_in(cohort, "ada")
    attempt = graded(ada, lab)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ada)
    assert strict.post(f"/submissions/{attempt.pk}/ask/", {"body": "Why?"}).status_code == 403
    assert not RegradeRequest.objects.exists()


def test_the_instructors_review_page_links_to_the_learners_question(client, lab, cohort):
    ada = learner_in(cohort, "ada")
    attempt = graded(ada, lab)
    review_url = f"/teach/cohorts/{cohort.pk}/submissions/{attempt.pk}/"
    client.force_login(cohort.instructor)
    assert "question about this verdict" not in client.get(review_url).content.decode()
    thread = ask_about_verdict(attempt, ada, "Why?")
    page = client.get(review_url).content.decode()
    assert f'href="/teach/cohorts/{cohort.pk}/requests/{thread.pk}/"' in page and "Waiting for the instructor" in page
