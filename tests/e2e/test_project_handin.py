"""A project as a graded capstone, in a real browser with a real worker: a learner hands in
the fixture project (tests/fixtures/course/projects/mini-shop) as a zip, watches it graded
per criterion on a real PostgreSQL, fixes a flaw in the browser's editor; the instructor
grades the rubric, comments on a line and releases it; the learner then sees it all."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Membership
from apps.courses.services import sync_curriculum
from apps.projects.models import Handin
from tests.apps.factories import PASSWORD, CohortFactory, InstructorFactory, UserFactory
from tests.apps.test_project_rubric import KEY, REFERENCE, add_fixture_project, reference_files

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_course(lab_course):
    add_fixture_project(lab_course)
    sync_curriculum(lab_course)
    return lab_course


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_hand_in_graded_per_criterion_then_rubric_released_to_the_learner(
    shop_course, live_server, start_worker, browser, tmp_path
):
    start_worker()
    teacher = InstructorFactory(username="teacher")
    cohort = CohortFactory(instructor=teacher, name="Spring")
    ada = UserFactory(username="ada")
    Membership.objects.create(cohort=cohort, user=ada)
    # A flawed first hand-in: the stock check is missing, so one rule's invalid probe succeeds.
    loose = (REFERENCE / "schema.sql").read_text().replace(" CHECK (units >= 0)", "")
    archive = tmp_path / "mini-shop.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, data in reference_files({"schema.sql": loose.encode()}).items():
            out.writestr(f"mini-shop/{name}", data)

    learner = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    learner.set_default_timeout(10_000)
    log_in(learner, live_server.url, "ada", f"/projects/{KEY}/")
    learner.get_by_role("heading", name="Mini shop: a schema that keeps its promises").wait_for()
    expect(learner.locator("#milestones li")).to_have_count(3)
    learner.locator("#handin-files").set_input_files(str(archive))
    learner.get_by_role("button", name="Hand in", exact=True).click()
    learner.get_by_role("heading", name="Version 1").wait_for()
    # Graded live on the worker: the result replaces the spinner without a reload.
    expect(learner.locator("#auto-points")).to_have_text("7.5 / 10", timeout=60_000)
    row = learner.locator("#criteria-results tr[data-criterion='rules']")
    expect(row).to_contain_text("must be rejected by your constraints")

    # Fix it in the browser's editor: version 2 is version 1 with schema.sql edited.
    learner.get_by_role("link", name="Edit in the browser").click()
    schema = learner.get_by_label("schema.sql", exact=True)
    schema.fill(schema.input_value().replace("units integer NOT NULL", "units integer NOT NULL CHECK (units >= 0)"))
    learner.get_by_role("button", name="Hand in as a new version").click()
    learner.get_by_role("heading", name="Version 2").wait_for()
    expect(learner.locator("#auto-points")).to_have_text("10 / 10", timeout=60_000)
    assert list(Handin.objects.order_by("version").values_list("version", "auto_points")) == [(1, 7.5), (2, 10.0)]

    teacher_page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    teacher_page.set_default_timeout(10_000)
    rubric = f"/teach/cohorts/{cohort.pk}/learners/{ada.pk}/projects/{KEY}/rubric/"
    log_in(teacher_page, live_server.url, "teacher", rubric)
    expect(teacher_page.locator("#rubric-total")).to_have_text("10 / 15")  # version 2's auto points prefilled
    design = teacher_page.locator("fieldset[data-criterion='design']")
    design.get_by_label("Partial").check()
    design.get_by_label("Comment").fill("Say which rule each constraint enforces.")
    teacher_page.get_by_label("Overall comment").fill("Good schema.")
    teacher_page.get_by_role("button", name="Save rubric").click()
    expect(teacher_page.locator("#rubric-total")).to_have_text("13 / 15")
    schema_file = teacher_page.locator("details.handed-file").filter(has_text="schema.sql").first
    if not schema_file.get_attribute("open"):
        schema_file.locator("summary").click()
    form = schema_file.locator("form.line-comment-form")
    form.get_by_label("Line").fill("7")
    form.get_by_label("Comment").fill("A domain would name this rule.")
    form.get_by_role("button").click()
    teacher_page.get_by_text("A domain would name this rule.").first.wait_for()

    learner.goto(f"{live_server.url}/projects/{KEY}/")
    assert "Say which rule" not in learner.content()  # not released yet
    teacher_page.get_by_role("button", name="Release to the learner").click()
    teacher_page.get_by_role("button", name="Withhold from the learner").wait_for()

    learner.reload()
    expect(learner.locator("#assessment-total")).to_have_text("13 / 15")
    released = learner.locator("#released-rubric")
    expect(released.locator("tr[data-criterion='design']")).to_contain_text("Say which rule each constraint enforces.")
    expect(released.locator("tr[data-criterion='rules']")).to_contain_text("10 / 10")
    expect(learner.locator(".line-comments")).to_contain_text("schema.sql:7 A domain would name this rule.")

    # The instructor's gradebook and download see the same version.
    teacher_page.goto(f"{live_server.url}/teach/cohorts/{cohort.pk}/gradebook/")
    expect(teacher_page.locator("#gradebook td.project-cell")).to_contain_text("13 / 15")
    with teacher_page.expect_download() as info:
        teacher_page.goto(f"{live_server.url}{rubric}")
        teacher_page.locator("#handin-versions a[download]").first.click()
    names = zipfile.ZipFile(io.BytesIO(info.value.path().read_bytes())).namelist()
    assert f"{KEY}-v2/schema.sql" in names


REAL_PROJECTS = ["relational-design", "nosql-comparison", "query-optimization", "backup-recovery", "scaling",
                 "production-setup"]


@pytest.mark.parametrize("key", REAL_PROJECTS)
def test_each_real_projects_reference_handed_in_as_a_folder_scores_every_auto_criterion(
    key, lab_course, live_server, start_worker, page
):
    """Each of the course's six projects as a learner meets it: its reference folder chosen with
    the folder picker (sub-folders kept by the page's script), graded on real servers on every
    auto criterion of the brief's table."""
    from apps.courses.models import Project
    from apps.projects.specs import list_criteria
    from tests.apps.test_project_grading import add_real_project

    source = add_real_project(lab_course, key)
    sync_curriculum(lab_course)
    start_worker()
    UserFactory(username="ada")
    log_in(page, live_server.url, "ada", f"/projects/{key}/")
    page.get_by_role("heading", level=1).wait_for()
    page.locator("#handin-folder").set_input_files(str(source / "reference"))
    page.get_by_role("button", name="Hand in", exact=True).click()
    page.get_by_role("heading", name="Version 1").wait_for()
    auto = [c for c in list_criteria(Project.objects.get(key=key)) if c.is_auto]
    total = sum(c.points for c in auto)
    expect(page.locator("#auto-points")).to_have_text(f"{total:g} / {total:g}", timeout=240_000)
    handed_in = {path for path in Handin.objects.get().files.values_list("path", flat=True)}
    assert all(
        path.relative_to(source / "reference").as_posix() in handed_in
        for path in (source / "reference").rglob("*")
        if path.is_file()
    ), "every file of the reference folder, sub-folders included, reached the hand-in"
    for criterion in auto:
        row = page.locator(f"#criteria-results tr[data-criterion='{criterion.id}']")
        expect(row).to_contain_text(f"{criterion.points:g} / {criterion.points:g}")
    assert page.locator("#criteria-results tbody tr").count() == len(auto)
