"""Issue 9 item 4, bad input: bytes that are not UTF-8, an empty answer, a huge one, NUL characters.
Each gets a sentence naming what to fix; nothing crashes, in the CLI or on the site."""

import pytest

from apps.courses.models import Lab
from apps.grading.models import Submission
from labs.__main__ import main
from labs.answer import MAX_ANSWER_CHARS, AnswerInputError, answer_problems, decode_answer
from tests.apps.factories import UserFactory

LAB_DIR = "tests/fixtures/site-labs/sql-orders-per-customer"


def test_invalid_utf8_names_the_byte_line_and_column():
    with pytest.raises(AnswerInputError) as caught:
        decode_answer(b"SELECT 1;\nSELECT 'caf" + b"\xe9';\n")
    [problem] = caught.value.problems
    assert "not valid UTF-8" in problem and "byte 0xe9 on line 2, column 12" in problem


def test_answer_problems_cover_empty_huge_nul_and_replacement_characters():
    assert "empty" in answer_problems("  \n\t")[0]
    assert f"the limit is {MAX_ANSWER_CHARS:,}" in answer_problems("x" * (MAX_ANSWER_CHARS + 1))[0]
    assert answer_problems("SELECT 1;\nSELECT '\x00';")[0].startswith("Line 2 of your answer contains a NUL")
    assert "not valid UTF-8" in answer_problems("SELECT 'caf\ufffd';")[0]
    assert answer_problems("SELECT 'café';") == []
    assert decode_answer("\ufeffSELECT 1;".encode()) == "SELECT 1;"  # a BOM is not part of the answer


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"SELECT '\xff\xfe';\n", "not valid UTF-8 text: byte 0xff on line 1, column 9"),
        (b"  \n", "Your answer is empty"),
        (b"SELECT 1;\n" * 50_000, "the limit is 100,000"),
    ],
    ids=["invalid-utf8", "empty", "huge"],
)
def test_cli_grade_explains_a_bad_answer_file_and_exits_2_without_a_traceback(tmp_path, capsys, content, expected):
    answer = tmp_path / "answer.sql"
    answer.write_bytes(content)
    assert main(["grade", LAB_DIR, str(answer)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {answer}: ") and expected in err
    assert "Traceback" not in err


@pytest.fixture
def lab_client(client, lab_course):
    user = UserFactory()
    client.force_login(user)
    return client, Lab.objects.get(key="site-orders-per-customer"), user


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("", "Your answer is empty"),
        ("SELECT 1;" * 20_000, "the limit is 100,000"),
        ("SELECT '\x00';", "contains a NUL character"),
        ("SELECT 'caf\ufffd';", "not valid UTF-8"),
    ],
    ids=["empty", "huge", "nul", "replacement-char"],
)
@pytest.mark.parametrize("action", ["submit", "run"])
def test_site_refuses_a_bad_answer_with_its_reason_and_keeps_nothing(lab_client, answer, expected, action):
    client, lab, user = lab_client
    url = f"/labs/{lab.key}/submit/"
    page = client.post(url, {"answer": answer, "action": action})
    assert page.status_code == 422 and expected in page.content.decode()
    fragment = client.post(url, {"answer": answer, "action": action}, headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and expected in fragment.content.decode()
    assert fragment["HX-Retarget"] == "#problems"
    assert not Submission.objects.filter(user=user).exists()


def test_a_form_too_large_to_read_gets_the_reason_on_the_lab_page(lab_client, settings):
    client, lab, user = lab_client
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    url = f"/labs/{lab.key}/submit/"
    page = client.post(url, {"answer": "SELECT 1;" * 10_000, "action": "submit"})
    assert page.status_code == 413
    body = page.content.decode()
    assert "too large to send" in body and 'id="answer-form"' in body  # the whole lab page, not a bare 400
    fragment = client.post(url, {"answer": "SELECT 1;" * 10_000}, headers={"HX-Request": "true"})
    assert fragment.status_code == 413 and "too large to send" in fragment.content.decode()
    assert not Submission.objects.filter(user=user).exists()


def test_a_refused_answer_labels_the_previous_verdict_as_the_earlier_attempts(lab_client):
    client, lab, user = lab_client
    Submission.objects.create(
        user=user, lab=lab, answer="SELECT 1;", status=Submission.Status.DONE, score=0.5,
        result={"score": 0.5, "gradable": True, "status": "graded", "checks": [], "message": ""},
    )  # fmt: skip
    fragment = client.post(f"/labs/{lab.key}/submit/", {"answer": " "}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert 'id="verdict-note" hx-swap-oob="true"' in body
    assert "not of the answer in the editor" in body
    page = client.post(f"/labs/{lab.key}/submit/", {"answer": " "})
    assert "not of the answer in the editor" in page.content.decode()
