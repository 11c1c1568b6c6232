"""In a real browser: an instructor grants a learner an extension and the learner's lab page
shows their new deadline; a learner asks about a verdict, the instructor answers from the
cohort's requests page, and the learner reads the answer."""

from datetime import timedelta

import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.dashboard.models import LabPolicy
from apps.grading.models import LabExtension, RegradeRequest, Submission
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAB_KEY = "site-orders-per-customer"


def log_in(browser, live_server, username: str, path: str):
    """A page of a browser context of its own, logged in as ``username`` and showing ``path``."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}{path}")
    return page


@pytest.fixture
def classroom(lab_course):
    lab = Lab.objects.get(key=LAB_KEY)
    cohort = CohortFactory(name="Spring Databases", instructor=InstructorFactory(username="teacher"))
    ada = UserFactory(username="ada")
    Membership.objects.create(cohort=cohort, user=ada)
    return lab, cohort, ada


def test_an_instructor_grants_an_extension_and_the_learner_sees_the_new_deadline(browser, live_server, classroom):
    lab, cohort, ada = classroom
    cohort_due = (timezone.localtime() - timedelta(days=1)).replace(second=0, microsecond=0)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=cohort_due)
    new_due = cohort_due + timedelta(days=7)

    teacher = log_in(browser, live_server, "teacher", f"/teach/cohorts/{cohort.pk}/labs/{LAB_KEY}/")
    teacher.locator("#extensions-link").click()
    row = teacher.locator(f"#learner-{ada.pk}")
    row.get_by_label("New deadline").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    row.get_by_label("Reason").fill("In hospital last week")
    row.get_by_role("button", name="Save extension").click()
    expect(teacher.locator(".messages")).to_contain_text("Extension for ada")
    expect(teacher.locator(f"#learner-{ada.pk}")).to_contain_text("In hospital last week")
    assert LabExtension.objects.get(learner=ada).due_at == new_due
    teacher.context.close()

    learner = log_in(browser, live_server, "ada", f"/labs/{LAB_KEY}/")
    shown = dateformat.format(timezone.localtime(new_due), "M j, Y, H:i")
    expect(learner.locator("#deadline")).to_contain_text(f"Due {shown} (your extension)")
    learner.context.close()


def test_a_learner_asks_about_a_verdict_and_reads_the_instructors_answer(browser, live_server, classroom):
    lab, cohort, ada = classroom
    attempt = Submission.objects.create(
        user=ada,
        lab=lab,
        answer="SELECT 1",
        status="done",
        score=0.0,
        counted=True,
        result={"score": 0.0, "gradable": True, "status": "graded", "checks": [], "message": "Wrong rows."},
    )

    learner = log_in(browser, live_server, "ada", f"/submissions/{attempt.pk}/")
    learner.get_by_label("Ask your instructor about this verdict").fill("Why are my rows wrong?")
    learner.get_by_role("button", name="Ask about this verdict").click()
    expect(learner.locator("#request-status")).to_contain_text("Waiting for the instructor")
    expect(learner.locator("#thread")).to_contain_text("Why are my rows wrong?")
    thread_url = learner.url

    teacher = log_in(browser, live_server, "teacher", f"/teach/cohorts/{cohort.pk}/")
    teacher.get_by_role("link", name="Regrade requests").click()
    teacher.locator("#requests").get_by_role("link", name="ada").click()
    expect(teacher.locator("#thread")).to_contain_text("Why are my rows wrong?")
    teacher.get_by_label("Your message to ada").fill("You count rows; count orders instead.")
    teacher.get_by_role("button", name="Send answer").click()
    expect(teacher.locator(".messages")).to_contain_text("Answer sent")
    assert RegradeRequest.objects.get().status == "answered"
    teacher.context.close()

    learner.goto(thread_url)
    expect(learner.locator("#request-status")).to_contain_text("Answered")
    expect(learner.locator("#thread")).to_contain_text("You count rows; count orders instead.")
    learner.context.close()
