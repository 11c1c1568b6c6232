"""An instructor in a real browser: open a cohort's gradebook, sort it by points, filter it
by learner, and download both CSV exports (the plain one and the one Canvas imports).
Exercises show as one column per week; Canvas's ID columns come from the learners' LMS ids."""

import csv

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Membership
from apps.courses.models import Lab, Lesson
from apps.grading.models import Submission
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAB_KEY = "site-orders-per-customer"
CANVAS_LEADING_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def graded_submission(user, lab, score: float) -> Submission:
    return Submission.objects.create(
        user=user,
        lab=lab,
        answer="SELECT 1",
        kind="submit",
        status="done",
        score=score,
        counted=True,
        result={"score": score, "gradable": True, "status": "graded", "checks": [], "message": ""},
    )


def learner_names(page) -> list[str]:
    return page.locator("#gradebook tbody tr th a").all_inner_texts()


def download_csv(page, link_id: str, tmp_path) -> list[list[str]]:
    with page.expect_download() as info:
        page.locator(f"#{link_id}").click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with target.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_instructor_sorts_filters_and_downloads_the_cohort_gradebook_as_csv_and_canvas_csv(
    live_server, lab_course, page, tmp_path
):
    lab = Lab.objects.get(key=LAB_KEY)
    instructor = InstructorFactory(username="teacher")
    cohort = CohortFactory(name="Spring Databases", instructor=instructor)
    learners = {name: UserFactory(username=name) for name in ("cyd", "bob", "ada")}
    learners["ada"].lms_user_id, learners["ada"].sis_user_id = "4711", "S-0001"
    learners["ada"].save()
    exercise = Lab.objects.create(
        key="e2e-exercise",
        title="Count the rows",
        engine="postgres",
        topology="database",
        kind="exercise",
        points=5,
        lesson=Lesson.objects.get(key="rel-keys"),  # week 1
    )
    graded_submission(learners["cyd"], exercise, 0.2)  # 0.2 of what all exercises are worth (one lab)
    for learner in learners.values():
        Membership.objects.create(cohort=cohort, user=learner)
    graded_submission(learners["bob"], lab, 1.0)
    graded_submission(learners["ada"], lab, 0.5)

    gradebook_path = f"/teach/cohorts/{cohort.pk}/gradebook/"
    page.goto(f"{live_server.url}/accounts/login/?next={gradebook_path}")
    page.locator("#id_username").fill("teacher")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Gradebook", level=1).wait_for()
    assert page.url == f"{live_server.url}{gradebook_path}"

    rows = page.locator("#gradebook tbody tr th a")
    expect(rows).to_have_text(["ada", "bob", "cyd"])  # alphabetical by default
    expect(page.locator("#gradebook thead")).to_contain_text("Week 1 exercises")
    expect(page.locator("#gradebook thead")).not_to_contain_text("Count the rows")  # no column per exercise
    expect(page.locator("#total-rule")).to_contain_text("all 1 together are worth")
    header = page.locator("#gradebook thead")
    learner_th = header.locator("th").filter(has=page.get_by_role("link", name="Learner", exact=True))
    points_th = header.locator("th").filter(has=page.get_by_role("link", name="Points", exact=True))
    expect(learner_th).to_have_attribute("aria-sort", "ascending")
    expect(points_th).to_have_attribute("aria-sort", "none")

    points_th.get_by_role("link", name="Points", exact=True).click()
    expect(points_th).to_have_attribute("aria-sort", "descending")
    expect(rows).to_have_text(["bob", "ada", "cyd"])  # highest points first
    names = learner_names(page)
    assert names[0] == "bob" and names[-1] == "cyd"
    expect(learner_th).to_have_attribute("aria-sort", "none")

    points_th.get_by_role("link", name="Points", exact=True).click()  # again: lowest first
    expect(points_th).to_have_attribute("aria-sort", "ascending")
    expect(rows).to_have_text(["cyd", "ada", "bob"])

    page.locator("input[name='q']").fill("cy")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("input[name='q']")).to_have_value("cy")
    expect(rows).to_have_text(["cyd"])
    assert page.locator("#gradebook tbody tr").count() == 1

    # The plain export: every learner of the cohort, whatever the page's filter shows.
    table = download_csv(page, "export-csv", tmp_path)
    head, body = table[0], table[1:]
    assert head[0] == "Learner"
    assert sorted(line[0] for line in body) == ["ada", "bob", "cyd"]
    best = head.index(f"{lab.title} (best %)")
    by_learner = {line[0]: line for line in body}
    assert by_learner["bob"][best] == "100"
    assert by_learner["ada"][best] == "50"
    assert by_learner["cyd"][best] == ""

    canvas = download_csv(page, "export-canvas", tmp_path)
    assert canvas[0][:5] == CANVAS_LEADING_COLUMNS
    assert canvas[1][0].strip() == "Points Possible"
    learner_lines = canvas[2:]
    assert len(learner_lines) == 3
    assert sorted(line[3] for line in learner_lines) == ["ada", "bob", "cyd"]  # SIS Login ID
    by_login = {line[3]: line for line in learner_lines}
    assert by_login["ada"][1:3] == ["4711", "S-0001"]  # ID and SIS User ID, what Canvas matches on
    assert "Exercises" in canvas[0] and "Count the rows" not in canvas[0]
