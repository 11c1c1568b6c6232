"""Exports an LMS accepts: the mapping from site accounts to LMS ids (typed per learner or
uploaded as CSV, all or nothing) and the two CSV exports that use it."""

import csv
import io

import pytest

from apps.accounts.models import Membership, User
from apps.dashboard.lms_ids import LmsIdsInvalid, import_lms_ids_csv, update_lms_ids
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


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))
