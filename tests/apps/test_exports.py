"""Exports an LMS accepts: the mapping from site accounts to LMS ids (typed per learner or
uploaded as CSV, all or nothing) and the two CSV exports that use it."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.courses.models import Lab, Lesson, Project
from apps.dashboard import gradebook
from apps.dashboard.lms_ids import LmsIdsInvalid, import_lms_ids_csv, update_lms_ids
from apps.dashboard.models import LabPolicy
from apps.dashboard.services import grade_project
from apps.grading.models import Submission
from tests.apps.factories import CohortFactory, InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return CohortFactory(instructor=InstructorFactory(username="teacher"), name="Spring cohort")


def member(cohort, username: str, **fields) -> User:
    user = UserFactory(username=username, **fields)
    Membership.objects.create(cohort=cohort, user=user)
    return user


def ids_of(*users: User) -> list[tuple[str, str]]:
    return [tuple(User.objects.filter(pk=u.pk).values_list("lms_user_id", "sis_user_id").get()) for u in users]


# --------------------------------------------------------------------------- LMS ids


def test_a_csv_fills_lms_and_sis_ids_by_username_or_email(cohort):
    ada, bob = member(cohort, "ada", email="ada@school.edu"), member(cohort, "bob", email="bob@school.edu")
    data = b"\xef\xbb\xbfemail,username,lms_user_id,sis_user_id\nADA@school.edu,,4711,S-001\n,bob,4712,\n"
    assert import_lms_ids_csv(cohort, data) == 2
    assert ids_of(ada, bob) == [("4711", "S-001"), ("4712", "")]


def test_a_canvas_gradebook_export_can_be_uploaded_as_it_is(cohort):
    ada = member(cohort, "ada")
    data = (
        b"Student,ID,SIS User ID,SIS Login ID,Section,Lab one\r\n"
        b"    Points Possible,,,,,10\r\n"
        b'"Lovelace, Ada",91,A-9,ada,Spring cohort,5\r\n'
    )
    assert import_lms_ids_csv(cohort, data) == 1
    assert ids_of(ada) == [("91", "A-9")]


def test_a_bad_row_names_its_line_and_nothing_in_the_file_is_saved(cohort):
    ada, bob = member(cohort, "ada"), member(cohort, "bob", sis_user_id="S-2")
    outsider = UserFactory(username="eve", lms_user_id="777")
    data = b"username,lms_user_id,sis_user_id\nada,1,S-1\nzed,2,S-3\nbob,777,\nada,3,\n"
    with pytest.raises(LmsIdsInvalid) as exc:
        import_lms_ids_csv(cohort, data)
    problems = exc.value.problems
    assert "Line 3: no learner of Spring cohort has the username or e-mail “zed”." in problems
    assert "Line 5: ada is already on line 2." in problems
    assert "Line 4: LMS user id “777” already belongs to the account eve." in problems
    assert ids_of(ada, bob, outsider) == [("", ""), ("", "S-2"), ("777", "")]  # nothing saved


def test_a_file_without_the_needed_columns_or_not_utf8_is_refused_with_the_reason(cohort):
    member(cohort, "ada")
    with pytest.raises(LmsIdsInvalid, match="username.*email"):
        import_lms_ids_csv(cohort, b"name,lms_user_id\nada,1\n")
    with pytest.raises(LmsIdsInvalid, match="lms_user_id"):
        import_lms_ids_csv(cohort, b"username,colour\nada,red\n")
    with pytest.raises(LmsIdsInvalid, match="not UTF-8"):
        import_lms_ids_csv(cohort, "username,lms_user_id\nAdä,1\n".encode("latin-1"))


def test_two_learners_cannot_share_an_id_and_a_blank_clears_it(cohort):
    ada, bob = member(cohort, "ada", lms_user_id="1"), member(cohort, "bob")
    with pytest.raises(LmsIdsInvalid, match="also given to"):
        update_lms_ids(cohort, {ada.pk: ("5", ""), bob.pk: ("5", "")})
    assert ids_of(ada, bob) == [("1", ""), ("", "")]
    assert update_lms_ids(cohort, {ada.pk: (" ", "S-1"), bob.pk: ("5 ", "")}) == 2
    assert ids_of(ada, bob) == [("", "S-1"), ("5", "")]


def test_the_lms_ids_page_saves_typed_ids_and_keeps_them_when_refused(client, cohort):
    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    client.force_login(cohort.instructor)
    url = f"/teach/cohorts/{cohort.pk}/lms-ids/"
    assert 'aria-label="LMS user id of ada"' in client.get(url).content.decode()
    refused = client.post(url, {f"lms-{ada.pk}": "9", f"sis-{ada.pk}": "", f"lms-{bob.pk}": "9", f"sis-{bob.pk}": ""})
    assert refused.status_code == 422 and "Nothing was saved" in refused.content.decode()
    assert f'name="lms-{bob.pk}" value="9"' in refused.content.decode()
    saved = client.post(url, {f"lms-{ada.pk}": "9", f"sis-{ada.pk}": "S-1"}, follow=True)
    assert "1 learner changed" in saved.content.decode()
    assert ids_of(ada, bob) == [("9", "S-1"), ("", "")]


def test_the_upload_form_reports_bad_rows_on_the_page(client, cohort):
    member(cohort, "ada")
    client.force_login(cohort.instructor)
    upload = io.BytesIO(b"username,lms_user_id\nnobody,1\n")
    upload.name = "roster.csv"
    response = client.post(f"/teach/cohorts/{cohort.pk}/lms-ids/", {"file": upload, "action": "upload"})
    assert response.status_code == 422
    assert "Line 2: no learner of Spring cohort has the username or e-mail “nobody”." in response.content.decode()


def test_another_instructor_and_a_learner_cannot_see_or_change_a_cohorts_lms_ids(client, cohort):
    ada = member(cohort, "ada")
    for intruder in (InstructorFactory(username="other"), ada):
        client.force_login(intruder)
        assert client.get(f"/teach/cohorts/{cohort.pk}/lms-ids/").status_code == 404
        assert client.post(f"/teach/cohorts/{cohort.pk}/lms-ids/", {f"lms-{ada.pk}": "x"}).status_code == 404
    assert ids_of(ada) == [("", "")]


def test_an_instructor_cannot_set_ids_of_someone_outside_the_cohort(cohort):
    stranger = UserFactory(username="stranger")
    with pytest.raises(LmsIdsInvalid, match="not in this cohort"):
        update_lms_ids(cohort, {stranger.pk: ("1", "")})
    assert ids_of(stranger) == [("", "")]


# --------------------------------------------------------------------------- the exports

BRIEF_WITH_POINTS = (
    "## Goal\n\nDesign it.\n\n## How it is graded\n\n| Criterion | Points | Graded by |\n|---|---|---|\n"
    "| Schema | 30 | Instructor |\n| Report | 20 | Instructor |\n\n## Deliverables\n\nA schema.\n"
)


@pytest.fixture
def lab(synced_course):
    return Lab.objects.create(
        key="lab-a", title="Lab A", engine="postgres", topology="database", points=10, lesson=Lesson.objects.first()
    )


def graded(user, lab, score: float, **fields) -> Submission:
    return Submission.objects.create(
        user=user,
        lab=lab,
        answer="SELECT 1",
        status="done",
        score=score,
        counted=True,
        result={"score": score, "gradable": True, "status": "graded", "message": "", "checks": []},
        **fields,
    )


def canvas_rows(cohort) -> tuple[list[str], list[str], dict[str, list[str]]]:
    header, points, *lines = csv.reader(io.StringIO(gradebook.export_canvas_csv(gradebook.build_gradebook(cohort))))
    return header, points, {line[3]: line for line in lines}


def plain_rows(cohort) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(gradebook.export_gradebook_csv(gradebook.build_gradebook(cohort))))
    return {row["Learner"]: row for row in rows}


def test_canvas_ids_come_from_the_lms_ids_and_a_non_numeric_id_is_left_out(lab, cohort):
    member(cohort, "ada", lms_user_id="4711", sis_user_id="S-001")
    member(cohort, "bob", lms_user_id="9f1c2e7a-lti-sub", sis_user_id="S-002")  # an LTI sub, not Canvas's id
    member(cohort, "cyd")
    header, _, by_login = canvas_rows(cohort)
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert by_login["ada"][1:4] == ["4711", "S-001", "ada"]
    assert by_login["bob"][1:4] == ["", "S-002", "bob"]
    assert by_login["cyd"][1:4] == ["", "", "cyd"]
    plain = plain_rows(cohort)
    assert (plain["bob"]["LMS user id"], plain["bob"]["SIS user id"]) == ("9f1c2e7a-lti-sub", "S-002")


def test_a_projects_points_come_from_its_brief_not_a_fixed_100(lab, cohort):
    project = Project.objects.get(key="proj-one")
    ada = member(cohort, "ada")
    _, points, _ = canvas_rows(cohort)
    header = canvas_rows(cohort)[0]
    assert points[header.index(project.title)] == "100"  # a brief without a points table: percent
    Project.objects.filter(pk=project.pk).update(body=BRIEF_WITH_POINTS)
    grade_project(cohort, ada, project, score_percent="80", handed_in_at=None, comment="", graded_by=cohort.instructor)
    header, points, by_login = canvas_rows(cohort)
    assert points[header.index(project.title)] == "50"
    assert by_login["ada"][header.index(project.title)] == "40.00"


def test_both_exports_list_extensions_and_open_regrade_requests(lab, cohort):
    from apps.grading.extensions import grant_lab_extension, set_attempt_limit
    from apps.grading.regrade_requests import ask_about_verdict, close_request
    from apps.projects.services import set_extension

    ada, bob = member(cohort, "ada"), member(cohort, "bob")
    teacher = cohort.instructor
    due = timezone.now() - timedelta(days=1)
    LabPolicy.objects.create(cohort=cohort, lab=lab, due_at=due)
    set_attempt_limit(cohort, lab, 3, set_by=teacher)
    graded(ada, lab, 1.0)  # after the cohort's deadline, before ada's own
    grant_lab_extension(
        cohort,
        ada,
        lab,
        granted_by=teacher,
        due_at=timezone.now() + timedelta(days=2),
        extra_attempts=2,
        reason="ill",
    )
    project = Project.objects.get(key="proj-one")
    set_extension(cohort, bob, project, timezone.now() + timedelta(days=3), granted_by=teacher, reason="=cmd|calc")
    asked = graded(bob, lab, 0.5)
    ask_about_verdict(asked, bob, "My LEFT JOIN keeps every customer.")
    closed = graded(ada, lab, 0.2)
    close_request(ask_about_verdict(closed, ada, "Why?"), teacher, "Resolved.")
    plain = plain_rows(cohort)
    assert plain["ada"]["Extensions"].startswith("Lab A: due ") and "+2 attempts (ill)" in plain["ada"]["Extensions"]
    assert plain["ada"]["Lab A (late)"] == ""  # passed before ada's own deadline
    assert plain["bob"]["Lab A (late)"] == "late"
    assert plain["ada"]["Open regrade requests"] == ""  # closed requests are not open
    assert plain["bob"]["Open regrade requests"] == "Lab A: Waiting for the instructor"
    assert "(=cmd|calc)" in plain["bob"]["Extensions"]
    header, points, by_login = canvas_rows(cohort)
    notes = header.index("Notes")
    assert notes == len(header) - 1 and points[notes] == ""
    assert "Lab A: due " in by_login["ada"][notes]
    assert "regrade request: Lab A: Waiting for the instructor" in by_login["bob"][notes]


def test_lms_ids_that_look_like_formulas_are_neutralised_in_both_exports(lab, cohort):
    member(cohort, "ada", lms_user_id="=HYPERLINK(1)", sis_user_id="+SUM(A1)")
    assert plain_rows(cohort)["ada"]["SIS user id"] == "'+SUM(A1)"
    _, _, by_login = canvas_rows(cohort)
    assert by_login["ada"][1:3] == ["", "'+SUM(A1)"]
