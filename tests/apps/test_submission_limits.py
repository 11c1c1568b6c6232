"""One learner cannot starve the others: a cap on answers waiting for a grader and a
per-minute rate, on the lab's submit and run endpoint. A refusal says why, keeps the typed
answer and saves nothing."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.grading.models import Submission
from tests.apps.factories import UserFactory

pytestmark = pytest.mark.django_db

TYPED = "SELECT name FROM customers -- my typed answer, not yet saved"



@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def make_rows(user, lab, count: int, status=Submission.Status.QUEUED, *, ago=timedelta(0)) -> list[Submission]:
    rows = [Submission.objects.create(user=user, lab=lab, answer="SELECT 1", status=status) for _ in range(count)]
    Submission.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=timezone.now() - ago)
    return rows


def post(client, lab, action="submit", token=None, **headers):
    data = {"answer": TYPED, "action": action, "token": str(token or uuid.uuid4())}
    return client.post(f"/labs/{lab.key}/submit/", data, **headers)


@pytest.mark.parametrize("action", ["submit", "run"])
def test_a_fourth_answer_waiting_for_a_grader_is_refused_with_the_answer_kept(client, lab, learner, action):
    make_rows(learner, lab, 2, Submission.Status.QUEUED)
    make_rows(learner, lab, 1, Submission.Status.RUNNING)
    response = post(client, lab, action)
    page = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "5"
    assert "You already have 3 answers waiting for a grader (the limit is 3)" in page
    assert "your answer is still in the editor" in page
    assert "my typed answer, not yet saved</textarea>" in page  # the editor shows what was typed
    assert Submission.objects.filter(user=learner).count() == 3


def test_the_htmx_refusal_is_the_message_alone_aimed_under_the_editor(client, lab, learner):
    make_rows(learner, lab, 3)
    response = post(client, lab, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 429 and "<html" not in body
    assert "Your answer was not queued" in body and "waiting for a grader" in body
    # The partial replaces the reasons under the editor, never the editor or the last verdict.
    assert response["HX-Retarget"] == "#problems" and response["HX-Reswap"] == "innerHTML"
    assert Submission.objects.filter(user=learner).count() == 3


def test_the_page_tells_htmx_to_show_a_429_message(client, lab, learner):
    page = client.get(f"/labs/{lab.key}/").content.decode()
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1))
    # htmx applies the first rule whose code pattern matches the status
    rule = next(r for r in config["responseHandling"] if re.fullmatch(r["code"], "429"))
    assert rule["swap"] is True


def test_finished_answers_do_not_count_against_the_cap(client, lab, learner):
    make_rows(learner, lab, 5, Submission.Status.DONE, ago=timedelta(minutes=5))
    make_rows(learner, lab, 2, Submission.Status.QUEUED, ago=timedelta(minutes=5))
    response = post(client, lab)
    assert response.status_code == 302
    assert Submission.objects.filter(user=learner, answer=TYPED).count() == 1


def test_an_eleventh_answer_within_a_minute_is_refused_until_the_minute_has_passed(client, lab, learner):
    rows = make_rows(learner, lab, 10, Submission.Status.DONE, ago=timedelta(seconds=20))
    response = post(client, lab, "run")
    page = response.content.decode()
    assert response.status_code == 429
    assert "You sent 10 answers in the last minute (the limit is 10)" in page
    retry = int(response["Retry-After"])
    assert 35 <= retry <= 41 and f"Try again in {retry} seconds" in page
    assert "my typed answer, not yet saved</textarea>" in page
    assert Submission.objects.filter(user=learner).count() == 10
    Submission.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=timezone.now() - timedelta(seconds=61))
    assert post(client, lab, "run").status_code == 302
    assert Submission.objects.filter(user=learner).count() == 11


def test_the_limits_come_from_settings(client, lab, learner, settings):
    settings.INDEXED_MAX_PENDING_SUBMISSIONS = 1
    assert post(client, lab).status_code == 302
    refused = post(client, lab)
    assert refused.status_code == 429 and "(the limit is 1)" in refused.content.decode()
    settings.INDEXED_MAX_PENDING_SUBMISSIONS = 50
    settings.INDEXED_SUBMISSIONS_PER_MINUTE = 2
    assert post(client, lab).status_code == 302
    assert post(client, lab).status_code == 429
    assert Submission.objects.filter(user=learner).count() == 2


def test_a_double_click_on_an_accepted_answer_is_not_refused(client, lab, learner):
    token = uuid.uuid4()
    make_rows(learner, lab, 2)
    first = post(client, lab, token=token)
    again = post(client, lab, token=token)  # the same form sent twice while at the cap
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Submission.objects.filter(user=learner).count() == 3


def test_one_learner_at_the_cap_does_not_block_another(client, lab, learner):
    make_rows(learner, lab, 3)
    client.force_login(UserFactory())
    assert post(client, lab).status_code == 302
