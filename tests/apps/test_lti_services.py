"""LTI Advantage services against the test LMS (tests/lti_platform.py), over real HTTP:
grades sent to the LMS gradebook when a verdict is recorded or overridden (and kept, then
sent again, when the LMS fails), deep linking, roster sync, and the operator's pages."""

import re
import shutil

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from apps.grading.models import GradingRun, Submission
from apps.grading.services import claim_submission, record_verdict
from apps.lti.models import LtiContext, LtiIdentity, Passback, Platform
from tests.apps.factories import UserFactory
from tests.conftest import FIXTURE_LABS
from tests.lti_platform import INSTRUCTOR, LEARNER, TestPlatform, launch, register

LAB_KEY = "site-orders-per-customer"
PLACED = {"indexed_kind": "lab", "indexed_key": LAB_KEY}


@pytest.fixture
def lab(synced_course):
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    return Lab.objects.get(key=LAB_KEY)


@pytest.fixture
def platform():
    lms = TestPlatform()
    yield lms
    lms.stop()


@pytest.fixture
def registered(platform, client, db):
    return register(platform, client)


@pytest.fixture
def learner(platform, registered, lab):
    """A learner who opened the placed lab from the LMS course (line item 9)."""
    launch(platform, Client(), sub="learner-7", custom=PLACED, lineitem=platform.lineitem_url("9"))
    return LtiIdentity.objects.get(sub="learner-7").user


@pytest.fixture
def teacher_client(platform, registered, lab):
    browser = Client()
    launch(platform, browser, sub="teacher-1", roles=[INSTRUCTOR], custom=PLACED, lineitem=platform.lineitem_url("9"))
    return browser


def grade(user, lab, score: float, capture) -> Submission:
    """A submission graded by the one verdict writer, record_verdict (the grader's result
    is given: these tests are about what happens after a verdict)."""
    submission = Submission.objects.create(user=user, lab=lab, answer="select 1;")
    run = claim_submission(submission.pk)
    GradingRun.objects.filter(pk=run.pk).update(
        result={"score": score, "gradable": True, "status": "graded", "message": "", "checks": []},
        outcome=GradingRun.Outcome.GRADED,
        finished_at=timezone.now(),
    )
    with capture(execute=True):
        return record_verdict(GradingRun.objects.get(pk=run.pk))


# --------------------------------------------------------------------------- grade passback


def test_a_verdict_goes_to_the_lms_gradebook_column_of_the_placement(
    platform, learner, lab, django_capture_on_commit_callbacks
):
    grade(learner, lab, 0.8, django_capture_on_commit_callbacks)

    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["lineitem"] == platform.lineitem_url("9")
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("learner-7", 8.0, 10.0)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    passback = Passback.objects.get(user=learner)
    assert (passback.status, passback.attempts, passback.last_error) == ("sent", 1, "")
    # the tool got its access token by a signed assertion the platform verified
    assert any(r.path == "/token" for r in platform.requests)


def test_the_gradebook_gets_the_learners_best_score_not_the_latest(
    platform, learner, lab, django_capture_on_commit_callbacks
):
    grade(learner, lab, 0.9, django_capture_on_commit_callbacks)
    grade(learner, lab, 0.4, django_capture_on_commit_callbacks)

    assert [s["scoreGiven"] for s in platform.scores] == [9.0, 9.0]


def test_a_learner_who_never_came_from_the_lms_sends_nothing(
    platform, registered, lab, django_capture_on_commit_callbacks
):
    grade(UserFactory(), lab, 1.0, django_capture_on_commit_callbacks)

    assert platform.scores == [] and not Passback.objects.exists()


def test_an_lms_that_fails_leaves_the_score_failed_with_its_error_and_a_retry_sends_it(
    platform, learner, lab, teacher_client, django_capture_on_commit_callbacks
):
    platform.score_status = 500
    grade(learner, lab, 0.5, django_capture_on_commit_callbacks)

    passback = Passback.objects.get(user=learner)
    assert passback.status == "failed"
    assert passback.attempts > 1  # retried before giving up
    assert "500" in passback.last_error
    assert platform.scores == []
    cohort = LtiContext.objects.get().cohort
    page = teacher_client.get(f"/lti/cohorts/{cohort.pk}/").content.decode()
    assert "Failed" in page and "500" in page

    platform.score_status = 200
    with django_capture_on_commit_callbacks(execute=True):
        response = teacher_client.post(f"/lti/cohorts/{cohort.pk}/passbacks/retry/")
    assert response.status_code == 302

    passback.refresh_from_db()
    assert (passback.status, passback.last_error) == ("sent", "")
    assert [s["scoreGiven"] for s in platform.scores] == [5.0]
    assert "1 sent" in teacher_client.get(f"/lti/cohorts/{cohort.pk}/").content.decode()


def test_a_score_whose_message_was_lost_is_sent_by_the_sweeper(
    platform, learner, lab, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from apps.lti.passback import resend_lost_passbacks

    grade(learner, lab, 0.7, django_capture_on_commit_callbacks)
    link = Passback.objects.get(user=learner).link
    Passback.objects.all().delete()
    platform.scores.clear()
    # as if the broker lost the message right after the row was written
    lost = Passback.objects.create(link=link, user=learner, score=0.7)
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_lost_passbacks() == 0  # too young: its first try may still be on its way
    Passback.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_lost_passbacks() == 1
    lost.refresh_from_db()
    assert lost.status == "sent" and [s["scoreGiven"] for s in platform.scores] == [7.0]
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_lost_passbacks() == 0  # a sent score is never sent again


def test_an_unreachable_lms_leaves_the_score_failed_with_the_reason(
    platform, learner, lab, django_capture_on_commit_callbacks
):
    platform.stop()
    submission = grade(learner, lab, 1.0, django_capture_on_commit_callbacks)

    assert submission.status == "done" and submission.score == 1.0  # the verdict itself is untouched
    passback = Passback.objects.get(user=learner)
    assert passback.status == "failed" and "Could not reach the LMS" in passback.last_error


def test_an_instructors_override_is_sent_to_the_lms(
    platform, learner, lab, teacher_client, django_capture_on_commit_callbacks
):
    from apps.dashboard.services import review_submission

    submission = grade(learner, lab, 0.3, django_capture_on_commit_callbacks)
    teacher = LtiIdentity.objects.get(sub="teacher-1").user
    cohort = LtiContext.objects.get().cohort
    with django_capture_on_commit_callbacks(execute=True):
        review_submission(
            submission, teacher, "Your join is right.", cohort=cohort, score_action="set", score_percent=100
        )

    assert [s["scoreGiven"] for s in platform.scores] == [3.0, 10.0]


def test_a_project_grade_is_sent_out_of_100_to_the_projects_column(
    platform, learner, teacher_client, django_capture_on_commit_callbacks
):
    from apps.courses.models import Project
    from apps.dashboard.services import grade_project

    launch(platform, Client(), sub="learner-7", custom={"indexed_kind": "project", "indexed_key": "proj-one"},
           resource_link_id="link-project", lineitem=platform.lineitem_url("12"))
    teacher = LtiIdentity.objects.get(sub="teacher-1").user
    with django_capture_on_commit_callbacks(execute=True):
        grade_project(
            LtiContext.objects.get().cohort, learner, Project.objects.get(key="proj-one"),
            score_percent=75, handed_in_at=None, comment="Solid schema.", graded_by=teacher,
        )

    (score,) = platform.scores
    assert (score["lineitem"], score["scoreGiven"], score["scoreMaximum"]) == (platform.lineitem_url("12"), 75.0, 100)


def test_another_instructors_cohort_page_is_not_found(platform, learner, teacher_client):
    cohort = LtiContext.objects.get().cohort
    stranger = Client()
    stranger.force_login(UserFactory(role=User.Role.INSTRUCTOR))
    assert stranger.get(f"/lti/cohorts/{cohort.pk}/").status_code == 404


# --------------------------------------------------------------------------- deep linking


def test_deep_linking_returns_a_placement_the_platform_verifies(platform, registered, client, lab):
    response = launch(platform, client, sub="teacher-1", roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest")
    assert response.status_code == 302 and response["Location"].startswith("/lti/deep-link/")

    picker = client.get(response["Location"])
    assert picker.status_code == 200
    assert lab.title in picker.content.decode()
    # shown in the LMS's dialog: framing allowed for the platform only
    assert f"frame-ancestors {platform.issuer}" in picker["Content-Security-Policy"]
    assert "X-Frame-Options" not in picker

    answer = client.post(response["Location"], {"choice": f"lab:{lab.key}"})
    html = answer.content.decode()
    assert f'action="{platform.issuer}/deep_link_return"' in html
    assert platform.issuer in re.search(r"form-action ([^;]*)", answer["Content-Security-Policy"]).group(1)
    assert "<script>" not in html  # sent by a static script file, allowed by the CSP
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)

    claims = platform.verify_tool_jwt(token, audience=platform.issuer)
    assert claims["iss"] == platform.client_id
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    assert claims[lti + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[lti + "deployment_id"] == platform.deployment_id
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["url"] == "http://testserver/lti/launch/"
    assert item["custom"] == PLACED
    assert item["lineItem"]["scoreMaximum"] == lab.points


def test_a_learner_cannot_open_the_placement_dialog(platform, registered, client, lab):
    response = launch(platform, client, sub="learner-1", roles=[LEARNER], message_type="LtiDeepLinkingRequest")

    assert response.status_code == 403
    assert "Only an instructor" in response.content.decode()
    assert not LtiIdentity.objects.exists()


def test_the_placement_dialog_needs_its_launch(client, db):
    assert client.get("/lti/deep-link/not-a-launch/").status_code == 404


# --------------------------------------------------------------------------- roster


def sync_roster(client, cohort, capture) -> str:
    """Press "Sync roster" and let the worker run it (eager in tests); the page's status line after."""
    with capture(execute=True):
        started = client.post(f"/lti/cohorts/{cohort.pk}/roster/", follow=True).content.decode()
    assert "Roster sync started" in started
    return client.get(f"/lti/cohorts/{cohort.pk}/roster/status/").content.decode()


def test_roster_sync_brings_every_active_learner_into_the_cohort(
    platform, teacher_client, django_capture_on_commit_callbacks
):
    platform.members = [
        {"user_id": "teacher-1", "roles": [INSTRUCTOR], "status": "Active", "name": "T"},
        {"user_id": "learner-20", "roles": [LEARNER], "status": "Active", "given_name": "Grace", "email": "g@x"},
        {"user_id": "learner-21", "roles": [LEARNER], "status": "Active", "lis_person_sourcedid": "S-21"},
        {"user_id": "learner-22", "roles": [LEARNER], "status": "Inactive"},
    ]
    cohort = LtiContext.objects.get().cohort

    status = sync_roster(teacher_client, cohort, django_capture_on_commit_callbacks)

    assert "2 learner(s) added" in status and "failed" not in status
    members = {m.user.lti_identities.get().sub for m in Membership.objects.filter(cohort=cohort)}
    assert members == {"learner-20", "learner-21"}
    assert LtiIdentity.objects.get(sub="learner-21").user.sis_user_id == "S-21"
    assert not LtiIdentity.objects.filter(sub="learner-22").exists()
    # a second sync adds nobody twice
    again = sync_roster(teacher_client, cohort, django_capture_on_commit_callbacks)
    assert "0 learner(s) added, 2 already here" in again


def test_a_roster_sync_runs_in_a_worker_once_at_a_time_and_says_so(
    platform, teacher_client, django_capture_on_commit_callbacks
):
    """A large course takes the LMS a minute to page through: never inside the request."""
    platform.members = [{"user_id": "learner-30", "roles": [LEARNER], "status": "Active"}]
    cohort = LtiContext.objects.get().cohort
    with django_capture_on_commit_callbacks(execute=False) as queued:
        teacher_client.post(f"/lti/cohorts/{cohort.pk}/roster/")
        page = teacher_client.get(f"/lti/cohorts/{cohort.pk}/").content.decode()
        assert "Syncing the roster from the LMS" in page and "hx-get" in page  # the line polls
        second = teacher_client.post(f"/lti/cohorts/{cohort.pk}/roster/", follow=True).content.decode()
        assert "already under way" in second
    assert len(queued) == 1  # one sync queued, not two
    from apps.config.routing import HEAVY, route_task  # and on the queue that does not hold up SELECTs

    assert route_task("apps.lti.tasks.sync_roster_task", (1,), {}, {}) == {"queue": HEAVY}
    assert not Membership.objects.filter(cohort=cohort).exists()  # nothing happened in the request
    queued[0]()
    status = teacher_client.get(f"/lti/cohorts/{cohort.pk}/roster/status/").content.decode()
    assert "1 learner(s) added" in status and "hx-get" not in status  # done: the polling stops
    assert Membership.objects.filter(cohort=cohort).count() == 1


def test_a_roster_the_lms_refuses_is_reported_as_failed_with_its_reason(
    platform, teacher_client, django_capture_on_commit_callbacks
):
    platform.members_status = 503  # the LMS's roster service is down
    cohort = LtiContext.objects.get().cohort
    status = sync_roster(teacher_client, cohort, django_capture_on_commit_callbacks)
    assert "failed." in status and "The LMS refused the roster request" in status, status


# --------------------------------------------------------------------------- operator pages


def test_the_operator_registers_a_platform_and_sees_the_tools_urls(client, db):
    client.force_login(UserFactory(is_staff=True))
    page = client.get("/lti/config/").content.decode()
    for url in ("/lti/login/", "/lti/launch/", "/lti/jwks/"):
        assert f"http://testserver{url}" in page

    response = client.post(
        "/lti/platforms/new/",
        {
            "name": "Campus Moodle",
            "issuer": "https://moodle.example.edu",
            "client_id": "abc123",
            "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
            "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
            "key_set_url": "https://moodle.example.edu/mod/lti/certs.php",
            "deployment_ids_text": "3\n4, 3",
        },
    )
    assert response.status_code == 302
    assert Platform.objects.get(client_id="abc123").deployment_ids == ["3", "4"]
    assert "Campus Moodle" in client.get("/lti/config/").content.decode()


def test_the_operator_pages_are_for_staff_only(client, db):
    client.force_login(UserFactory(role=User.Role.INSTRUCTOR))
    assert client.get("/lti/config/").status_code == 302
    assert client.post("/lti/platforms/new/", {"name": "x"}).status_code == 302
    assert not Platform.objects.exists()


def test_the_tools_key_is_made_once_and_published(client, db):
    first = client.get("/lti/jwks/").json()
    second = client.get("/lti/jwks/").json()
    assert first == second
    (key,) = first["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key  # the private part never leaves


def test_the_cohorts_lms_ids_tab_leads_to_the_lms_page_only_for_an_lms_cohort(teacher_client, learner, db):
    from apps.accounts.models import Cohort

    cohort = LtiContext.objects.get().cohort
    page = teacher_client.get(f"/teach/cohorts/{cohort.pk}/lms-ids/").content.decode()
    assert f'href="/lti/cohorts/{cohort.pk}/"' in page
    plain = Cohort.objects.create(name="On-site", instructor=cohort.instructor)
    assert 'id="lti-link"' not in teacher_client.get(f"/teach/cohorts/{plain.pk}/lms-ids/").content.decode()
