"""Who may see what: every actor × every URL, plus the data each page leaks or not."""

import shutil

import pytest

from apps.accounts.models import Membership
from apps.courses.models import Lab, Lesson, LessonCompletion
from apps.courses.services import sync_curriculum
from apps.dashboard.models import RegradeJob
from apps.grading.models import Submission
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory
from tests.conftest import FIXTURE_LABS

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "learner", "other_learner", "instructor", "other_instructor"]
LOGIN = "login"  # expected: redirected to the login page


@pytest.fixture
def world(synced_course):
    instructor, other_instructor = InstructorFactory(), InstructorFactory()
    cohort = CohortFactory(instructor=instructor, name="Cohort A")
    other_cohort = CohortFactory(instructor=other_instructor, name="Cohort B")
    learner, other_learner = UserFactory(username="learner-a"), UserFactory(username="learner-b")
    Membership.objects.create(cohort=cohort, user=learner)
    Membership.objects.create(cohort=other_cohort, user=other_learner)
    LessonCompletion.objects.create(user=other_learner, lesson=Lesson.objects.get(key="rel-keys"))
    shutil.copytree(FIXTURE_LABS, synced_course / "labs")
    sync_curriculum(synced_course)
    lab = Lab.objects.get(key="site-orders-per-customer")
    submission = Submission.objects.create(
        user=learner, lab=lab, answer="SELECT 'my secret answer'", status="done", score=0.5, counted=True
    )
    job = RegradeJob.objects.create(cohort=cohort, lab=lab, requested_by=instructor, status="done")
    return {
        "anonymous": None,
        "learner": learner,
        "other_learner": other_learner,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "cohort": cohort,
        "other_cohort": other_cohort,
        "lab": lab,
        "submission": submission,
        "job": job,
    }


# Instructor pages of one cohort: only the instructor who runs it gets in; everyone else
# gets a 404 that does not even confirm the cohort exists.
TEACHER_ONLY = {
    method: {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "instructor": ok, "other_instructor": 404}
    for method, ok in [("get", 200), ("post", (302, 422))]
}

# (method, url template, {actor: expected}) — expected is a status code, LOGIN, or
# ("redirect", location).
MATRIX = [
    ("get", "/", dict.fromkeys(ACTORS, 200)),
    ("get", "/lessons/rel-keys/", dict.fromkeys(ACTORS, 200)),
    ("get", "/projects/proj-one/", dict.fromkeys(ACTORS, 200)),
    (
        "post",
        "/lessons/rel-keys/mark/",
        {"anonymous": LOGIN, **dict.fromkeys(ACTORS[1:], ("redirect", "/lessons/rel-keys/"))},
    ),
    ("get", "/progress/", {"anonymous": LOGIN, **dict.fromkeys(ACTORS[1:], 200)}),
    (
        "get",
        "/teach/",
        {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "instructor": 200, "other_instructor": 200},
    ),
    (
        "post",
        "/teach/",
        {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "instructor": 302, "other_instructor": 302},
    ),
    (
        "get",
        "/teach/cohorts/{cohort}/",
        {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "instructor": 200, "other_instructor": 404},
    ),
    *[
        (method, "/teach/cohorts/{cohort}/" + tail, TEACHER_ONLY[method])
        for method, tail in [
            ("get", "gradebook/"),
            ("get", "gradebook/?sort=lab:site-orders-per-customer&dir=desc&show=late&q=a"),
            ("get", "gradebook.csv"),
            ("get", "gradebook-canvas.csv"),
            ("get", "settings/"),
            ("post", "settings/"),
            ("get", "labs/site-orders-per-customer/"),
            ("post", "labs/site-orders-per-customer/regrade/"),
            ("get", "labs/site-orders-per-customer/regrade/confirm/?scope=affected"),
            ("get", "labs/site-orders-per-customer/versions/"),
            ("get", "lms-ids/"),
            ("post", "lms-ids/"),
            ("get", "regrades/{job}/"),
            ("get", "learners/{learner}/"),
            ("post", "learners/{learner}/projects/proj-one/"),
            ("get", "submissions/{submission}/"),
            ("post", "submissions/{submission}/"),
            ("post", "submissions/{submission}/regrade/"),
        ]
    ],
    ("get", "/accounts/join/{invite}/", {"anonymous": LOGIN, **dict.fromkeys(ACTORS[1:], 200)}),
    ("get", "/accounts/signup/", {"anonymous": 200, **dict.fromkeys(ACTORS[1:], ("redirect", "/"))}),
    ("get", "/admin/", dict.fromkeys(ACTORS, ("redirect", "/admin/login/?next=/admin/"))),
    ("get", "/admin/courses/lesson/", dict.fromkeys(ACTORS, ("redirect", "/admin/login/?next=/admin/courses/lesson/"))),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("method,url,expected", MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX])
def test_authorization_matrix(client, world, actor, method, url, expected):
    if world[actor] is not None:
        client.force_login(world[actor])
    path = url.format(
        cohort=world["cohort"].pk,
        invite=world["cohort"].invite_code,
        job=world["job"].pk,
        learner=world["learner"].pk,
        submission=world["submission"].pk,
    )
    data = {"name": "New cohort", "done": "1", "text": "Looks good", "score": "90"} if method == "post" else None
    response = getattr(client, method)(path, data)
    want = expected[actor]
    if isinstance(want, tuple) and isinstance(want[0], int):  # any of these codes
        assert response.status_code in want, response.status_code
    elif want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    elif isinstance(want, tuple):
        assert response.status_code == 302 and response["Location"] == want[1]
    else:
        assert response.status_code == want


def test_a_learner_sees_only_their_own_progress(client, world):
    client.force_login(world["learner"])
    page = client.get("/progress/").content.decode()
    assert '<strong id="overall-done">0</strong>' in page  # other_learner's completion is not mine
    assert "learner-b" not in page


def test_an_instructor_sees_only_their_own_cohorts_and_learners(client, world):
    client.force_login(world["instructor"])
    listing = client.get("/teach/").content.decode()
    assert "Cohort A" in listing and "Cohort B" not in listing
    detail = client.get(f"/teach/cohorts/{world['cohort'].pk}/").content.decode()
    assert "learner-a" in detail and "learner-b" not in detail
    assert client.get(f"/teach/cohorts/{world['other_cohort'].pk}/").status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
def test_a_submission_is_visible_only_to_its_author(client, world, synced_course, actor):
    lab, submission = world["lab"], world["submission"]
    if world[actor] is not None:
        client.force_login(world[actor])
    for path in (f"/submissions/{submission.pk}/", f"/labs/{lab.key}/"):
        response = client.get(path)
        if actor == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        elif actor == "learner" or path.startswith("/labs/"):
            assert response.status_code == 200
            assert ("my secret answer" in response.content.decode()) == (actor == "learner")
        else:
            assert response.status_code == 404


def test_an_instructor_cannot_reach_another_cohorts_learner_through_their_own_cohort(client, world):
    """The cohort in the URL is theirs, but the learner or submission belongs elsewhere."""
    other_submission = Submission.objects.create(
        user=world["other_learner"], lab=world["lab"], answer="SELECT 'not yours'", status="done", score=1.0
    )
    client.force_login(world["instructor"])
    cohort = world["cohort"].pk
    assert client.get(f"/teach/cohorts/{cohort}/submissions/{other_submission.pk}/").status_code == 404
    assert client.post(f"/teach/cohorts/{cohort}/submissions/{other_submission.pk}/regrade/").status_code == 404
    assert client.get(f"/teach/cohorts/{cohort}/learners/{world['other_learner'].pk}/").status_code == 404
    other_job = RegradeJob.objects.create(
        cohort=world["other_cohort"], lab=world["lab"], requested_by=world["other_instructor"]
    )
    assert client.get(f"/teach/cohorts/{cohort}/regrades/{other_job.pk}/").status_code == 404
    gradebook = client.get(f"/teach/cohorts/{cohort}/gradebook.csv").content.decode()
    assert "learner-a" in gradebook and "learner-b" not in gradebook
