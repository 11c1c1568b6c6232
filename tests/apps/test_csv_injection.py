"""Gradebook exports are opened in spreadsheets: no cell a learner controls may run there
as a formula (OWASP CSV injection), while scores stay numbers."""

import csv
import io

import pytest

from apps.accounts.models import Membership
from apps.dashboard.gradebook import neutralize_csv_cell
from apps.grading.models import Submission
from tests.apps.factories import CohortFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://x")'



@pytest.fixture
def cohort_with_hostile_learner(lab):
    cohort = CohortFactory(name="@cohort")
    learner = UserFactory(username="mallory", first_name=HOSTILE, last_name="+1+cmd|' /C calc'!A0", email="-2+3@x.io")
    Membership.objects.create(cohort=cohort, user=learner)
    Submission.objects.create(
        user=learner, lab=lab, answer="SELECT 1", status=Submission.Status.DONE, score=0.5, counted=True, result={}
    )
    return cohort


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),  # a plain negative number is a value, not a formula
        (-3, -3),
        (7.25, 7.25),
        ("Ada", "Ada"),
        ("", ""),
    ],
)
def test_a_cell_that_would_run_as_a_formula_gets_a_leading_quote(raw, safe):
    assert neutralize_csv_cell(raw) == safe


@pytest.mark.parametrize("export", ["gradebook.csv", "gradebook-canvas.csv"])
def test_both_exports_neutralise_a_learner_named_like_a_formula(client, cohort_with_hostile_learner, export):
    cohort = cohort_with_hostile_learner
    client.force_login(cohort.instructor)
    response = client.get(f"/teach/cohorts/{cohort.pk}/{export}")
    assert response.status_code == 200
    cells = _cells(response.content.decode())
    dangerous = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert dangerous == []
    assert any(c.startswith("'=HYPERLINK") or c.startswith("'+1+cmd") for c in cells)


def test_the_gradebook_export_keeps_the_name_and_score_readable(client, cohort_with_hostile_learner):
    cohort = cohort_with_hostile_learner
    client.force_login(cohort.instructor)
    text = client.get(f"/teach/cohorts/{cohort.pk}/gradebook.csv").content.decode()
    header, row = list(csv.reader(io.StringIO(text)))
    record = dict(zip(header, row, strict=True))
    assert record["Name"].startswith("'" + HOSTILE)
    assert record["Email"] == "'-2+3@x.io"
    best = next(value for key, value in record.items() if key.endswith("(best %)"))
    assert best == "50"  # still a number a spreadsheet can add up


def test_the_canvas_export_quotes_the_section_and_keeps_points_numeric(client, cohort_with_hostile_learner, lab):
    cohort = cohort_with_hostile_learner
    client.force_login(cohort.instructor)
    text = client.get(f"/teach/cohorts/{cohort.pk}/gradebook-canvas.csv").content.decode()
    header, _points, row = list(csv.reader(io.StringIO(text)))
    assert row[0].startswith("'+1+cmd") and row[4] == "'@cohort"
    assert row[header.index(lab.title)] == f"{0.5 * lab.points:.2f}"
