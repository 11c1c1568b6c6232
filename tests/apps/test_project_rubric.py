"""A graded project end to end in the app: a hand-in auto-graded on a real PostgreSQL (the
fixture project tests/fixtures/course/projects/mini-shop), a platform fault that never
counts, then the instructor's rubric (levels, audited overrides, line comments), its
release to the learner, and the gradebook and both CSV exports carrying the points."""

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import Membership
from apps.courses.models import Project
from apps.courses.services import sync_curriculum
from apps.dashboard import gradebook
from apps.projects.models import Assessment, CriterionOverride, Handin, HandinRun
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "projects" / "mini-shop"
REFERENCE = FIXTURE / "reference"
KEY = "mini-shop"


def add_fixture_project(root: Path) -> Path:
    """Put the mini-shop project into a course written by tests.course_builder."""
    shutil.copytree(FIXTURE, root / "projects" / KEY, ignore=shutil.ignore_patterns("reference"))
    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace('projects = ["proj-one"]', f'projects = ["proj-one", "{KEY}"]'))
    return root


def reference_files(changes: dict[str, bytes | None] | None = None) -> dict[str, bytes]:
    """The reference hand-in, with files replaced (or removed, for None)."""
    files = {p.relative_to(REFERENCE).as_posix(): p.read_bytes() for p in REFERENCE.rglob("*") if p.is_file()}
    for name, data in (changes or {}).items():
        if data is None:
            files.pop(name, None)
        else:
            files[name] = data
    return files


def as_zip(files: dict[str, bytes]) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"mini-shop/{name}", data)
    return SimpleUploadedFile("mini-shop.zip", out.getvalue())


@pytest.fixture
def shop(synced_course):
    add_fixture_project(synced_course)
    sync_curriculum(synced_course)
    return Project.objects.get(key=KEY)


@pytest.fixture
def people(client):
    teacher = InstructorFactory(username="teacher")
    cohort = CohortFactory(instructor=teacher, name="Spring")
    ada = UserFactory(username="ada")
    Membership.objects.create(cohort=cohort, user=ada)
    return cohort, teacher, ada


def hand_in(client, user, files, capture) -> Handin:
    client.force_login(user)
    with capture(execute=True):  # Celery is eager in tests: the grade runs at commit, for real
        response = client.post(f"/projects/{KEY}/handin/", {"files": [as_zip(files)]}, follow=True)
    assert response.status_code == 200
    return Handin.objects.filter(learner=user).order_by("-version").first()


def test_a_handin_is_graded_per_criterion_on_a_real_server_and_a_flawed_one_loses_that_criterion(
    client, shop, people, django_capture_on_commit_callbacks
):
    _, _, ada = people
    good = hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    assert good.status == Handin.Status.DONE and good.auto_points == 10 and good.auto_possible == 10
    page = client.get(f"/projects/{KEY}/").content.decode()
    assert "10 / 10" in page and "all 4 probes of your 2 rules behave" in page
    # A check constraint forgotten: the "invalid" probe now succeeds, so that rule's probe fails.
    loose = (REFERENCE / "schema.sql").read_text().replace(" CHECK (units >= 0)", "")
    flawed = hand_in(client, ada, reference_files({"schema.sql": loose.encode()}), django_capture_on_commit_callbacks)
    assert flawed.version == 2 and flawed.status == Handin.Status.DONE and flawed.auto_points < 10
    row = flawed.result["criteria"][0]
    assert "01-stock-not-negative.invalid.sql must be rejected" in str(row["details"]["problems"])
    page = client.get(f"/projects/{KEY}/handins/2/").content.decode()
    assert "must be rejected by your constraints" in page
    assert "Schema loads; rule probes behave: 7.5 of 10 points." in client.get(f"/projects/{KEY}/").content.decode()


def test_a_handin_missing_a_listed_file_is_refused_and_nothing_is_kept(client, shop, people):
    _, _, ada = people
    client.force_login(ada)
    files = reference_files({"schema.sql": None})
    page = client.post(f"/projects/{KEY}/handin/", {"files": [as_zip(files)]}, follow=True).content.decode()
    assert "Missing schema.sql" in page and not Handin.objects.exists()


def test_a_platform_fault_is_retried_never_counts_and_leaves_the_handin_kept(
    client, shop, people, settings, django_capture_on_commit_callbacks
):
    _, _, ada = people
    broken = Path(settings.CURRICULUM_DIR)  # this test's own copy of the course
    toml = broken / "projects" / KEY / "grading.toml"
    # The platform's own SQL fails: our fault, not the learner's.
    (broken / "projects" / KEY / "platform.sql").write_text("SELECT * FROM no_such_table;")
    toml.write_text(
        toml.read_text().replace("max_connections = 20", 'max_connections = 20\nplatform_sql = ["platform.sql"]')
    )
    handin = hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    assert handin.status == Handin.Status.FAILED and handin.auto_points is None
    runs = list(HandinRun.objects.filter(handin=handin))
    assert len(runs) == 4 and all(r.outcome == HandinRun.Outcome.FAULT for r in runs)  # first try + 3 retries
    assert handin.files.count() == 6  # the hand-in itself is kept
    page = client.get(f"/projects/{KEY}/handins/1/").content.decode()
    assert "platform's fault and does not count against you" in page


def grade_page(cohort, learner) -> str:
    return f"/teach/cohorts/{cohort.pk}/learners/{learner.pk}/projects/{KEY}/rubric/"


def test_rubric_total_comes_from_the_briefs_table_and_overrides_need_a_reason_kept_in_the_audit(
    client, shop, people, django_capture_on_commit_callbacks
):
    cohort, teacher, ada = people
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    client.force_login(teacher)
    page = client.get(grade_page(cohort, ada)).content.decode()
    assert "10 / 15" in page and "1 row not graded yet" in page  # auto row prefilled, design row open
    client.post(grade_page(cohort, ada), {"c-design-level": "Partial", "c-design-comment": "Name the FK."})
    assessment = Assessment.objects.get()
    assert "13 / 15" in client.get(grade_page(cohort, ada)).content.decode()

    page = client.post(grade_page(cohort, ada), {"c-rules-override": "8", "c-rules-reason": ""}, follow=True)
    assert "needs a reason" in page.content.decode() and not CriterionOverride.objects.exists()
    client.post(grade_page(cohort, ada), {"c-rules-override": "8", "c-rules-reason": "Probe 02 copies 01."})
    audit = CriterionOverride.objects.get()
    assert (audit.author, audit.points_before, audit.points_after, audit.reason) == (
        teacher,
        10,
        8,
        "Probe 02 copies 01.",
    )
    page = client.get(grade_page(cohort, ada)).content.decode()
    assert "11 / 15" in page and "Probe 02 copies 01." in page and "teacher" in page
    client.post(grade_page(cohort, ada), {"c-rules-override": "", "c-rules-reason": "Second look: fine."})
    assert "13 / 15" in client.get(grade_page(cohort, ada)).content.decode()
    assert [(o.points_before, o.points_after) for o in assessment.overrides.all()] == [(10, 8), (8, None)]
    bad = client.post(grade_page(cohort, ada), {"c-design-level": "Superb"}, follow=True).content.decode()
    assert "is not one of its levels" in bad


def test_the_learner_sees_rubric_feedback_only_after_release(client, shop, people, django_capture_on_commit_callbacks):
    cohort, teacher, ada = people
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    client.force_login(teacher)
    client.get(grade_page(cohort, ada))
    client.post(
        grade_page(cohort, ada),
        {"c-design-level": "Excellent", "c-design-comment": "Clear notes.", "comment": "Well done overall."},
    )
    client.post(
        grade_page(cohort, ada).replace("rubric/", "rubric/comments/"),
        {"path": "schema.sql", "line": "7", "text": "Why not a domain?"},
    )
    client.force_login(ada)
    page = client.get(f"/projects/{KEY}/").content.decode()
    assert "Clear notes." not in page and "Why not a domain?" not in page and "Your instructor" not in page
    assert "Design notes: judged by your instructor (5 points)." in page  # still open until released
    client.force_login(teacher)
    client.post(grade_page(cohort, ada).replace("rubric/", "rubric/release/"), {"release": "1"})
    client.force_login(ada)
    page = client.get(f"/projects/{KEY}/").content.decode()
    assert "Your instructor's grade" in page and "15 / 15" in page
    assert "Design notes: judged by your instructor" not in page  # no longer open
    assert "Clear notes." in page and "Well done overall." in page and "schema.sql:7</code> Why not a domain?" in page
    client.force_login(teacher)
    client.post(grade_page(cohort, ada), {"c-rules-override": "9", "c-rules-reason": "Rule 02 probes one table only."})
    client.force_login(ada)
    page = client.get(f"/projects/{KEY}/").content.decode()  # released: the change and its reason show
    assert "14 / 15" in page and "Changed from the platform's 10 points: Rule 02 probes one table only." in page
    client.force_login(teacher)
    client.post(grade_page(cohort, ada).replace("rubric/", "rubric/release/"), {"release": "0"})
    client.force_login(ada)
    assert "Clear notes." not in client.get(f"/projects/{KEY}/").content.decode()


def test_rubric_pages_are_the_cohorts_instructors_only(client, shop, people, django_capture_on_commit_callbacks):
    cohort, teacher, ada = people
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    for outsider in (InstructorFactory(), ada):
        client.force_login(outsider)
        assert client.get(grade_page(cohort, ada)).status_code == 404
        assert client.post(grade_page(cohort, ada).replace("rubric/", "rubric/release/")).status_code == 404
    assert not Assessment.objects.exists()


def test_gradebook_and_both_csvs_carry_project_totals_and_per_criterion_points(
    client, shop, people, django_capture_on_commit_callbacks
):
    cohort, teacher, ada = people
    bob = UserFactory(username="bob")
    Membership.objects.create(cohort=cohort, user=bob)
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    client.force_login(teacher)
    client.get(grade_page(cohort, ada))
    client.post(grade_page(cohort, ada), {"c-design-level": "Partial"})
    book = gradebook.build_gradebook(cohort)
    rows = list(csv.DictReader(io.StringIO(gradebook.export_gradebook_csv(book))))
    by = {r["Learner"]: r for r in rows}
    title = shop.title
    assert by["ada"][f"{title}: Schema loads; rule probes behave (of 10)"] == "10"
    assert by["ada"][f"{title}: Design notes (of 5)"] == "3"
    assert by["ada"][f"{title} (points of 15)"] == "13" and by["ada"][f"{title} (%)"] == "86.7"
    assert by["bob"][f"{title} (points of 15)"] == "" and by["bob"][f"{title}: Design notes (of 5)"] == ""
    canvas = list(csv.reader(io.StringIO(gradebook.export_canvas_csv(book))))
    header, points, *learners = canvas
    column = header.index(title)
    assert points[column] == "15"
    assert {line[3]: line[column] for line in learners} == {"ada": "13.00", "bob": ""}
    page = client.get(f"/teach/cohorts/{cohort.pk}/gradebook/").content.decode()
    assert "13 / 15" in page and "unreleased" in page
    learner_page = client.get(f"/teach/cohorts/{cohort.pk}/learners/{ada.pk}/").content.decode()
    assert "auto 10 / 10 · rubric on version 1, not released" in learner_page
    assert 'name="score"' in learner_page  # the one-score form stays for the project without a grading.toml
    assert learner_page.count('name="score"') == 1  # ...and only for it


def test_the_gradebook_reads_rubric_projects_in_as_many_queries_for_thirty_learners_as_for_two(shop, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.projects.handins import save_handin
    from apps.projects.rubric import grade_rubric, open_assessment

    def cohort_of(size: int):
        cohort = CohortFactory()
        for n in range(size):
            learner = UserFactory()
            Membership.objects.create(cohort=cohort, user=learner)
            handin = save_handin(learner, shop, reference_files(), source="upload")
            Handin.objects.filter(pk=handin.pk).update(
                status=Handin.Status.DONE,
                result={"criteria": [{"id": "rules", "points_awarded": 10, "graded_by": "auto"}]},
                auto_points=10,
                auto_possible=10,
            )
            if n % 2:
                assessment = open_assessment(cohort, learner, shop, cohort.instructor)
                grade_rubric(assessment, cohort.instructor, {"design": {"level": "Missing"}})
        return cohort

    def queries(cohort) -> int:
        with CaptureQueriesContext(connection) as captured:
            gradebook.export_gradebook_csv(gradebook.build_gradebook(cohort))
        return len(captured)

    small, big = cohort_of(2), cohort_of(30)
    assert queries(small) == queries(big)
    rows = list(csv.DictReader(io.StringIO(gradebook.export_gradebook_csv(gradebook.build_gradebook(big)))))
    totals = sorted(r[f"{shop.title} (points of 15)"] for r in rows)
    assert totals == [""] * 15 + ["10"] * 15  # assessed: 10 auto + 0 design; the others not assessed yet


def test_the_project_page_follows_a_new_version_while_showing_the_last_graded_one(
    client, shop, people, django_capture_on_commit_callbacks
):
    _, _, ada = people
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)
    client.post(f"/projects/{KEY}/handin/", {"files": [as_zip(reference_files())]})  # queued, not yet graded
    page = client.get(f"/projects/{KEY}/").content.decode()
    assert "Version 2 is waiting for a grader" in page and f'hx-get="/projects/{KEY}/handins/2/"' in page
    assert "The newest version graded so far is version 1" in page and "10 / 10" in page


def test_gradebook_lateness_of_a_rubric_project_honours_the_learners_extension(
    client, shop, people, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.dashboard.models import ProjectPolicy
    from apps.projects.services import set_extension

    cohort, teacher, ada = people
    ProjectPolicy.objects.create(cohort=cohort, project=shop, due_at=timezone.now() - timedelta(hours=1))
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)

    def late_mark() -> str:
        rows = csv.DictReader(io.StringIO(gradebook.export_gradebook_csv(gradebook.build_gradebook(cohort))))
        return next(r for r in rows if r["Learner"] == "ada")[f"{shop.title} (late)"]

    assert late_mark() == "late"
    set_extension(cohort, ada, shop, timezone.now() + timedelta(days=1), granted_by=teacher)
    assert late_mark() == ""


def test_a_rubric_stays_on_its_version_until_the_instructor_moves_it_keeping_levels_and_comments(
    client, shop, people, django_capture_on_commit_callbacks
):
    cohort, teacher, ada = people
    loose = (REFERENCE / "schema.sql").read_text().replace(" CHECK (units >= 0)", "")
    hand_in(client, ada, reference_files({"schema.sql": loose.encode()}), django_capture_on_commit_callbacks)
    client.force_login(teacher)
    client.get(grade_page(cohort, ada))
    client.post(grade_page(cohort, ada), {"c-design-level": "Excellent", "c-design-comment": "Clear."})
    assert "12.5 / 15" in client.get(grade_page(cohort, ada)).content.decode()
    hand_in(client, ada, reference_files(), django_capture_on_commit_callbacks)  # version 2, full auto points
    client.force_login(teacher)
    page = client.get(grade_page(cohort, ada)).content.decode()
    assert "handed in version 2 after the one graded here" in page and "12.5 / 15" in page
    page = client.get(grade_page(cohort, ada) + "?version=2").content.decode()
    assert "Rubric for version 2" in page and "15 / 15" in page and "Clear." in page
