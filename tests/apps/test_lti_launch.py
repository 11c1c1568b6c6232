"""LTI 1.3 launches from a test LMS (tests/lti_platform.py) that signs with its own key and
serves its key set over HTTP: who gets an account, a cohort and a membership, where they
land, and every launch the tool must refuse, with a page saying why and nothing created."""

import re
import shutil
import time

import pytest
from django.test import Client

from apps.accounts.models import Cohort, Membership, User
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from apps.lti.models import LtiContext, LtiIdentity, ResourceLink
from tests.conftest import FIXTURE_LABS
from tests.lti_platform import (
    INSTRUCTOR,
    LEARNER,
    TEACHING_ASSISTANT,
    TestPlatform,
    launch,
    new_rsa_key,
    register,
    start_login,
)

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


def lti_users():
    return User.objects.filter(username__startswith="lti-")


def test_a_learners_first_launch_makes_their_account_and_membership_and_lands_on_the_lab(
    platform, registered, client, lab
):
    response = launch(
        platform,
        client,
        sub="learner-7",
        roles=[LEARNER],
        custom={"indexed_kind": "lab", "indexed_key": LAB_KEY},
        lineitem=platform.lineitem_url("9"),
        sis_id="S-0007",
    )

    assert response.status_code == 302
    assert response["Location"] == f"/labs/{LAB_KEY}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.wsgi_request.user.is_authenticated  # logged in by the launch
    user = LtiIdentity.objects.get(issuer=platform.issuer, sub="learner-7").user
    assert user.role == User.Role.LEARNER
    assert (user.first_name, user.email) == ("Ada", "learner-7@lms.example")
    assert (user.lms_user_id, user.sis_user_id) == ("learner-7", "S-0007")
    context = LtiContext.objects.get(platform=registered, context_id=platform.context_id)
    assert Membership.objects.filter(cohort=context.cohort, user=user).exists()
    assert "Databases 101" in context.cohort.name
    link = ResourceLink.objects.get(context=context, resource_link_id="link-1")
    assert (link.lab, link.lineitem_url) == (lab, platform.lineitem_url("9"))
    # the tool fetched the platform's keys over HTTP to check the signature
    assert any(r.path == "/jwks" for r in platform.requests)


def test_over_https_the_login_cookies_cross_sites_and_the_launch_works(platform, registered, client, lab):
    """In an LMS the launch is a cross-site form post: the login's cookies must be
    SameSite=None and Secure to come back with it (browsers allow that only over HTTPS)."""
    answer = start_login(platform, client, secure=True)

    cookies = {name: morsel for name, morsel in answer.cookies.items() if name.startswith("lti1p3")}
    assert any("session-id" in name for name in cookies)  # the launch storage's own cookie
    for morsel in cookies.values():
        assert morsel["samesite"] == "None" and morsel["secure"] and morsel["httponly"]

    placed = {"indexed_kind": "lab", "indexed_key": LAB_KEY}
    response = launch(platform, client, secure=True, sub="learner-7", custom=placed)
    assert response.status_code == 302 and response["Location"] == f"/labs/{LAB_KEY}/"
    assert client.cookies["sessionid"]["samesite"] == "Lax"  # the site's own session stays Lax


def test_a_launch_inside_the_lms_frame_offers_a_one_use_link_to_its_own_window(platform, registered, client, lab):
    placed = {"indexed_kind": "lab", "indexed_key": LAB_KEY}
    framed = launch(platform, client, sub="learner-7", custom=placed, headers={"Sec-Fetch-Dest": "iframe"})

    assert framed.status_code == 200
    assert f"frame-ancestors {platform.issuer}" in framed["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed
    assert not framed.wsgi_request.user.is_authenticated  # nobody is signed in inside the frame
    link = re.search(r'href="(/lti/continue/[^"]+)" target="_blank"', framed.content.decode()).group(1)

    window = Client()
    opened = window.get(link)
    assert opened.status_code == 302 and opened["Location"] == f"/labs/{LAB_KEY}/"
    assert window.get(opened["Location"]).wsgi_request.user.lms_user_id == "learner-7"
    again = Client().get(link)
    assert again.status_code == 403 and "already used or has expired" in again.content.decode()


def test_a_refusal_inside_the_lms_frame_is_shown_there(platform, registered, client, lab):
    response = launch(platform, client, aud="some-other-tool", headers={"Sec-Fetch-Dest": "iframe"})

    assert response.status_code == 403
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_a_second_launch_reuses_the_account_and_the_cohort(platform, registered, client, lab):
    launch(platform, client, sub="learner-7")
    client.logout()
    launch(platform, client, sub="learner-7")

    assert LtiIdentity.objects.count() == 1
    assert LtiContext.objects.count() == 1
    assert Membership.objects.count() == 1


@pytest.mark.parametrize("role", [INSTRUCTOR, TEACHING_ASSISTANT])
def test_an_instructor_launch_makes_an_instructor_who_runs_the_courses_cohort(
    platform, registered, client, lab, role
):
    launch(platform, client, sub="learner-1", roles=[LEARNER])  # a learner came first
    client.logout()
    response = launch(platform, client, sub="teacher-1", roles=[role])

    cohort = LtiContext.objects.get().cohort
    assert response.status_code == 302 and response["Location"] == f"/lti/cohorts/{cohort.pk}/"
    teacher = LtiIdentity.objects.get(sub="teacher-1").user
    assert teacher.role == User.Role.INSTRUCTOR
    cohort.refresh_from_db()
    assert cohort.instructor == teacher  # replaces the stand-in the learner's launch made
    assert not Membership.objects.filter(user=teacher).exists()
    assert client.get(f"/lti/cohorts/{cohort.pk}/").status_code == 200


def test_a_second_teacher_of_the_lms_course_shares_the_cohort(platform, registered, lab):
    first, second, stranger = Client(), Client(), Client()
    launch(platform, first, sub="teacher-1", roles=[INSTRUCTOR])
    launch(platform, Client(), sub="learner-1", roles=[LEARNER])
    response = launch(platform, second, sub="ta-2", roles=[TEACHING_ASSISTANT])

    cohort = LtiContext.objects.get().cohort
    assert cohort.instructor == LtiIdentity.objects.get(sub="teacher-1").user  # still runs it
    assert response["Location"] == f"/lti/cohorts/{cohort.pk}/"
    pages = (f"/lti/cohorts/{cohort.pk}/", f"/teach/cohorts/{cohort.pk}/", f"/teach/cohorts/{cohort.pk}/gradebook/")
    for page in pages:
        assert second.get(page).status_code == 200, page
    learner = LtiIdentity.objects.get(sub="learner-1").user
    assert learner.username in second.get(f"/teach/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert cohort.name in second.get("/teach/").content.decode()  # listed among their cohorts
    # An instructor of another course of the same LMS sees none of it.
    platform.context_id = "course-other"
    launch(platform, stranger, sub="teacher-9", roles=[INSTRUCTOR])
    assert stranger.get(f"/teach/cohorts/{cohort.pk}/").status_code == 404


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([LEARNER], "learner"),
        ([INSTRUCTOR], "instructor"),
        ([TEACHING_ASSISTANT], "instructor"),
        (["Instructor"], "instructor"),  # the short form LTI allows for context roles
        (["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"], "instructor"),
        # a lecturer at the institution taking this course is a learner in it
        ([LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"], "learner"),
        ([], "learner"),
    ],
)
def test_lms_roles_map_to_the_sites_roles(roles, expected):
    from apps.lti.launch import role_for

    assert role_for(roles) == expected


# --------------------------------------------------------------------------- refusals


def assert_refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.content[:500]
    assert words in response.content.decode()
    assert "Nothing was changed" in response.content.decode()
    assert not lti_users().exists()
    assert not Membership.objects.exists()
    assert not Cohort.objects.exists()
    assert not LtiIdentity.objects.exists()


def test_a_token_signed_with_another_key_is_refused(platform, registered, client, lab):
    other_private, _ = new_rsa_key()

    def forge(form):
        claims = platform.claims(nonce=_nonce_of(form["id_token"]), sub="mallory")
        return {**form, "id_token": platform.sign(claims, private_pem=other_private)}

    assert_refused(launch(platform, client, tamper=forge), 403, "could not be verified")


def test_an_expired_token_is_refused(platform, registered, client, lab):
    past = int(time.time()) - 3600
    response = launch(platform, client, iat=past - 300, exp=past)
    assert_refused(response, 403, "has expired")


@pytest.mark.parametrize("offset", [-40, 40], ids=["lms-clock-behind", "lms-clock-ahead"])
def test_a_platform_clock_a_little_off_ours_still_launches(platform, registered, client, lab, offset):
    # Ahead: the token was "issued" 40 s in our future (PyLTI1p3 alone refused it: "not yet
    # valid (iat)"). Behind: it "expired" 40 s before it reached us.
    issued = int(time.time()) + offset
    response = launch(platform, client, sub="learner-skew", roles=[LEARNER], iat=issued,
                      exp=issued + (300 if offset > 0 else 0), custom={"indexed_kind": "lab", "indexed_key": LAB_KEY})
    assert response.status_code == 302 and response["Location"] == f"/labs/{LAB_KEY}/", response.content[:500]


def test_a_token_issued_well_in_the_future_is_refused(platform, registered, client, lab):
    issued = int(time.time()) + 600  # ten minutes: not a clock a little off
    response = launch(platform, client, iat=issued, exp=issued + 300)
    assert response.status_code == 403 and "clock" in response.content.decode(), response.content[:500]
    assert not lti_users().exists()


def test_a_token_for_another_tool_is_refused(platform, registered, client, lab):
    response = launch(platform, client, aud="some-other-tool")
    assert_refused(response, 403, "not registered")


def test_a_replayed_launch_is_refused_and_changes_nothing(platform, registered, client, lab):
    posted = {}

    def keep(form):
        posted.update(form)
        return form

    assert launch(platform, client, sub="learner-7", tamper=keep).status_code == 302
    before = (User.objects.count(), Membership.objects.count(), Cohort.objects.count())

    replay = client.post("/lti/launch/", posted)

    assert replay.status_code == 403
    assert "already used" in replay.content.decode()
    assert (User.objects.count(), Membership.objects.count(), Cohort.objects.count()) == before


def test_a_new_token_reusing_a_spent_nonce_is_refused(platform, registered, client, lab):
    posted = {}

    def keep(form):
        posted.update(form)
        return form

    launch(platform, client, sub="learner-7", tamper=keep)
    again = platform.sign(platform.claims(nonce=_nonce_of(posted["id_token"]), sub="learner-8"))
    response = client.post("/lti/launch/", {**posted, "id_token": again})

    assert response.status_code == 403
    assert not LtiIdentity.objects.filter(sub="learner-8").exists()


def test_a_launch_from_an_unknown_issuer_is_refused(platform, client, db, lab):
    response = client.get(
        "/lti/login/", {"iss": platform.issuer, "login_hint": "x", "target_link_uri": "http://testserver/lti/launch/"}
    )
    assert_refused(response, 403, "not registered for that LMS")


def test_a_launch_from_an_unknown_deployment_is_refused(platform, registered, client, lab):
    response = launch(platform, client, **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-x"})
    assert_refused(response, 403, "unknown deployment id")


def test_a_launch_without_its_login_state_is_refused(platform, registered, client, lab):
    response = launch(platform, client, tamper=lambda form: {**form, "state": "state-forged"})
    assert_refused(response, 403, "did not start in this browser")


def test_a_disabled_account_cannot_launch(platform, registered, client, lab):
    launch(platform, client, sub="learner-7")
    client.logout()
    User.objects.filter(lti_identities__sub="learner-7").update(is_active=False)

    response = launch(platform, client, sub="learner-7")

    assert response.status_code == 403 and "disabled" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_a_launch_for_an_activity_this_site_lacks_is_refused(platform, registered, client, lab):
    response = launch(platform, client, custom={"indexed_kind": "lab", "indexed_key": "no-such-lab"})
    assert_refused(response, 403, "does not have")


def _nonce_of(token: str) -> str:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})["nonce"]


def test_canvas_numeric_user_id_fills_the_export_id_and_a_typed_id_is_kept(platform, registered, lab):
    from apps.dashboard.gradebook import build_gradebook
    from apps.dashboard.gradebook_csv import export_canvas_csv

    custom = {**PLACED, "canvas_user_id": "48213"}
    launch(platform, Client(), sub="learner-7", custom=custom)
    user = LtiIdentity.objects.get(sub="learner-7").user
    assert user.lms_user_id == "48213"  # Canvas's own id, not the opaque LTI sub
    launch(platform, Client(), sub="learner-7", custom=PLACED)  # a later launch without it
    user.refresh_from_db()
    assert user.lms_user_id == "48213"
    cohort = LtiContext.objects.get().cohort
    rows = export_canvas_csv(build_gradebook(cohort)).splitlines()
    assert any(",48213," in row for row in rows), rows[:3]

    # An id the instructor typed for a learner before their first launch is not replaced by the sub.
    typed = User.objects.create(username="lti-typed", lms_user_id="777")
    LtiIdentity.objects.create(issuer=platform.issuer, sub="learner-8", user=typed, platform=registered)
    launch(platform, Client(), sub="learner-8", custom=PLACED)
    typed.refresh_from_db()
    assert typed.lms_user_id == "777"
