"""Per-learner extensions on labs and exercises: a later deadline moves the learner's late
marks and feedback release, extra attempts lift their attempt limit, and only the cohort's
instructor may grant them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.accounts.models import Membership
from apps.dashboard.models import FeedbackMode, LabPolicy
from apps.dashboard.policies import find_lab_rule
from apps.grading.extensions import (
    ExtensionInvalid,
    effective_lab_terms,
    grant_lab_extension,
    lab_extensions,
    revoke_lab_extension,
    set_attempt_limit,
)
from apps.grading.models import LabExtension, Submission
from apps.grading.services import AttemptsUsedUp, submit_answer
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db

ANSWER = "SELECT 1;"



@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"))


@pytest.fixture
def ada(cohort):
    learner = UserFactory(username="ada")
    Membership.objects.create(cohort=cohort, user=learner)
    return learner


def graded_attempt(learner, lab, when=None) -> Submission:
    submission = Submission.objects.create(
        user=learner,
        lab=lab,
        answer=ANSWER,
        status=Submission.Status.DONE,
        score=0.5,
        counted=True,
        result={"score": 0.5, "gradable": True, "status": "graded", "message": "", "checks": []},
    )
    if when is not None:
        Submission.objects.filter(pk=submission.pk).update(created_at=when)
        submission.refresh_from_db()
    return submission


def test_an_attempt_after_the_cohort_deadline_but_before_the_extension_is_not_late(client, lab, cohort, ada):
    due = timezone.now() - timedelta(days=2)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=due)
    attempt = graded_attempt(ada, lab, when=due + timedelta(days=1))
    client.force_login(ada)
    assert "late" in client.get(f"/submissions/{attempt.pk}/").content.decode().split("<h1>")[1].split("</h1>")[0]

    grant_lab_extension(
        cohort, ada, lab, granted_by=cohort.instructor, due_at=due + timedelta(days=3), reason="ill for a week"
    )

    rule = find_lab_rule(ada, lab)
    assert rule.due_at == due + timedelta(days=3) and rule.extended
    assert not rule.is_late(attempt.created_at)
    heading = client.get(f"/submissions/{attempt.pk}/").content.decode().split("<h1>")[1].split("</h1>")[0]
    assert "late" not in heading
    # A classmate without an extension still has the cohort's deadline.
    bob = UserFactory(username="bob")
    Membership.objects.create(cohort=cohort, user=bob)
    assert find_lab_rule(bob, lab).due_at == due


def test_feedback_after_the_deadline_waits_for_the_learners_own_deadline(lab, cohort, ada):
    due = timezone.now() - timedelta(hours=1)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=due, feedback=FeedbackMode.AFTER_DEADLINE)
    assert find_lab_rule(ada, lab).feedback_visible()
    grant_lab_extension(cohort, ada, lab, granted_by=cohort.instructor, due_at=due + timedelta(days=1))
    assert not find_lab_rule(ada, lab).feedback_visible()
    assert find_lab_rule(ada, lab).feedback_visible(now=due + timedelta(days=1, minutes=1))


def test_extra_attempts_allow_more_submissions(lab, cohort, ada):
    set_attempt_limit(cohort, lab, 2, set_by=cohort.instructor)
    graded_attempt(ada, lab)
    graded_attempt(ada, lab)
    with pytest.raises(AttemptsUsedUp, match="used all 2 graded attempts"):
        submit_answer(ada, lab, ANSWER)
    assert Submission.objects.filter(user=ada).count() == 2
    # A Run is never an attempt.
    submit_answer(ada, lab, ANSWER, kind=Submission.Kind.RUN)

    grant_lab_extension(cohort, ada, lab, granted_by=cohort.instructor, extra_attempts=1, reason="sandbox outage")
    assert effective_lab_terms(cohort, ada, lab).max_attempts == 3
    third = submit_answer(ada, lab, ANSWER)  # queued (graded after commit): it takes the third attempt
    assert third.kind == Submission.Kind.SUBMIT
    with pytest.raises(AttemptsUsedUp, match="used all 3 graded attempts"):
        submit_answer(ada, lab, ANSWER)


def test_a_refused_attempt_keeps_the_answer_in_the_page_and_says_why(client, lab, cohort, ada):
    set_attempt_limit(cohort, lab, 1, set_by=cohort.instructor)
    graded_attempt(ada, lab)
    client.force_login(ada)
    page = client.get(f"/labs/{lab.key}/").content.decode()
    assert "Graded attempts: 1 of 1 used" in page and "no graded attempt left" in page
    assert 'value="submit" class="button" aria-describedby="attempts-left" disabled' in page
    response = client.post(f"/labs/{lab.key}/submit/", {"answer": "SELECT 42;", "action": "submit"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "used all 1 graded attempt" in page and "SELECT 42;" in page


def test_only_the_cohorts_instructor_may_grant(client, lab, cohort, ada):
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=timezone.now())
    other = CohortFactory(instructor=InstructorFactory(username="other"))
    later = timezone.now() + timedelta(days=1)
    with pytest.raises(PermissionDenied):
        grant_lab_extension(cohort, ada, lab, granted_by=other.instructor, due_at=later)
    with pytest.raises(PermissionDenied):
        grant_lab_extension(cohort, ada, lab, granted_by=ada, due_at=later)
    url = f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/extensions/"
    form = {"action": "grant", "learner": ada.pk, "due_at": later.strftime("%Y-%m-%dT%H:%M")}
    for intruder in (other.instructor, ada):
        client.force_login(intruder)
        assert client.post(url, form).status_code == 404  # as every cohort page: not even its existence
        assert client.get(url).status_code == 404
    assert not LabExtension.objects.exists()

    client.force_login(cohort.instructor)
    response = client.post(url, {**form, "reason": "family emergency"}, follow=True)
    assert "Extension for ada" in response.content.decode()
    assert lab_extensions(cohort)[(ada.pk, lab.pk)].reason == "family emergency"
    response = client.post(url, {"action": "revoke", "learner": ada.pk}, follow=True)
    assert "Extension for ada removed" in response.content.decode()
    assert lab_extensions(cohort) == {}


def test_an_extension_must_extend_something(client, lab, cohort, ada):
    with pytest.raises(ExtensionInvalid, match="no deadline in this cohort"):
        grant_lab_extension(cohort, ada, lab, granted_by=cohort.instructor, due_at=timezone.now())
    with pytest.raises(ExtensionInvalid, match="no attempt limit"):
        grant_lab_extension(cohort, ada, lab, granted_by=cohort.instructor, extra_attempts=2)
    due = timezone.now()
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=due)
    with pytest.raises(ExtensionInvalid, match="later than the cohort's deadline"):
        grant_lab_extension(cohort, ada, lab, granted_by=cohort.instructor, due_at=due - timedelta(hours=1))
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/labs/{lab.key}/extensions/"
    response = client.post(url, {"action": "grant", "learner": ada.pk, "due_at": "next tuesday"})
    assert response.status_code == 422 and "not a valid date and time" in response.content.decode()
    assert not LabExtension.objects.exists()


def test_extensions_of_a_cohort_are_keyed_by_learner_and_lab(lab, cohort, ada):
    set_attempt_limit(cohort, lab, 3, set_by=cohort.instructor)
    grant_lab_extension(cohort, ada, lab, granted_by=cohort.instructor, extra_attempts=2)
    other = CohortFactory()
    assert set(lab_extensions(cohort)) == {(ada.pk, lab.pk)}
    assert lab_extensions(other) == {}
    assert revoke_lab_extension(cohort, ada, lab, revoked_by=cohort.instructor)
    assert effective_lab_terms(cohort, ada, lab).max_attempts == 3
