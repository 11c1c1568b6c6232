"""Pages a learner and an instructor use, through Django's test client."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.models import Membership, User
from apps.courses.models import Lesson, LessonCompletion
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_course_map_lists_weeks_lessons_and_projects(client, synced_course):
    page = client.get("/").content.decode()
    assert "Week 1: Tables" in page and "Week 2: Queries" in page
    assert 'href="/lessons/rel-keys/"' in page and 'href="/projects/proj-one/"' in page
    assert "Sign up free" in page


def test_signup_logs_in_and_rejects_duplicate_email(client, synced_course):
    response = client.post(
        "/accounts/signup/",
        {"username": "ada", "email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(username="ada").role == User.Role.LEARNER
    assert "Log out" in client.get("/").content.decode()
    client.post(reverse("logout"))
    again = client.post(
        "/accounts/signup/",
        {"username": "ada2", "email": "ADA@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert again.status_code == 200
    assert "An account with this e-mail already exists" in again.content.decode()
    assert not User.objects.filter(username="ada2").exists()


def test_lesson_page_renders_markdown_toc_highlighting_and_pager(client, synced_course):
    page = client.get("/lessons/rel-joins/").content.decode()
    assert '<h2 id="why-it-matters">Why it matters</h2>' in page
    assert 'href="#check-yourself"' in page  # table of contents
    assert '<div class="highlight"><pre>' in page  # Pygments, and the "runnable" marker is gone
    assert "runnable" not in page
    assert 'rel="prev" href="/lessons/rel-keys/"' in page and 'rel="next" href="/lessons/kv-redis/"' in page


def test_unknown_lesson_is_404(client, synced_course):
    assert client.get("/lessons/nope/").status_code == 404


def test_mark_done_without_javascript_redirects_and_is_idempotent(client, synced_course):
    learner = UserFactory()
    client.force_login(learner)
    for _ in range(2):  # a double submit records one completion
        response = client.post("/lessons/rel-keys/mark/", {"done": "1"})
        assert response.status_code == 302 and response["Location"] == "/lessons/rel-keys/"
    assert LessonCompletion.objects.filter(user=learner).count() == 1
    assert "Mark as not done" in client.get("/lessons/rel-keys/").content.decode()
    client.post("/lessons/rel-keys/mark/", {"done": "0"})
    assert not LessonCompletion.objects.filter(user=learner).exists()


def test_mark_done_with_htmx_returns_the_new_button_only(client, synced_course):
    client.force_login(UserFactory())
    response = client.post("/lessons/rel-keys/mark/", {"done": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<form id="done-form"')
    assert "Mark as not done" in body and "<html" not in body


def test_progress_moves_per_module_and_outcome(client, synced_course):
    learner = UserFactory()
    client.force_login(learner)
    assert '<strong id="overall-done">0</strong> of 3' in client.get("/progress/").content.decode()
    client.post("/lessons/kv-redis/mark/", {"done": "1"})
    page = client.get("/progress/").content.decode()
    assert '<strong id="overall-done">1</strong> of 3 lessons done (33%)' in page
    assert '<th scope="row">Key-value</th><td>1 / 1</td>' in page
    assert '<th scope="row">Write and optimize SQL queries</th><td>1 / 2</td>' in page


def test_password_reset_sends_a_working_link(client, synced_course):
    UserFactory(username="grace", email="grace@example.com")
    client.post("/accounts/password_reset/", {"email": "grace@example.com"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line).strip()
    path = link[link.index("/accounts/reset/") :]
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "A-new-long-pass-42", "new_password2": "A-new-long-pass-42"})
    assert response.status_code == 302
    assert client.login(username="grace", password="A-new-long-pass-42")


def test_instructor_creates_cohort_and_learner_joins_by_invite(client, synced_course):
    teacher = InstructorFactory()
    client.force_login(teacher)
    response = client.post("/teach/", {"name": "Evening group"})
    cohort = teacher.taught_cohorts.get()
    assert response["Location"] == f"/teach/cohorts/{cohort.pk}/"
    assert f"/accounts/join/{cohort.invite_code}/" in client.get(response["Location"]).content.decode()

    learner = UserFactory(username="lin")
    client.force_login(learner)
    assert "Join cohort" in client.get(f"/accounts/join/{cohort.invite_code}/").content.decode()
    client.post(f"/accounts/join/{cohort.invite_code}/")
    client.post(f"/accounts/join/{cohort.invite_code}/")
    assert Membership.objects.filter(cohort=cohort, user=learner).count() == 1
    client.post("/lessons/rel-keys/mark/", {"done": "1"})

    client.force_login(teacher)
    page = client.get(f"/teach/cohorts/{cohort.pk}/").content.decode()
    assert f'<a href="/teach/cohorts/{cohort.pk}/learners/{learner.pk}/">lin</a></th>' in page
    assert "1 / 3 (33%)" in page


def test_cohort_overview_page_uses_a_constant_number_of_queries(client, synced_course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lessons = list(Lesson.objects.all())
    counts = []
    for size in (3, 30):
        cohort = CohortFactory()
        for i in range(size):
            learner = UserFactory()
            Membership.objects.create(cohort=cohort, user=learner)
            LessonCompletion.objects.create(user=learner, lesson=lessons[i % 3])
        client.force_login(cohort.instructor)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/teach/cohorts/{cohort.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20, counts


def test_learners_cannot_become_instructors_by_signing_up(client, synced_course):
    client.post(
        "/accounts/signup/",
        {
            "username": "eve",
            "email": "e@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": "instructor",
        },
    )
    assert User.objects.get(username="eve").role == User.Role.LEARNER
