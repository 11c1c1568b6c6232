"""Issue 13 item 4: the wrong-vs-expected result diff with the differing cells highlighted,
as far as the instructor's feedback detail allows, never with the hidden dataset's rows."""

import re
import shutil

import pytest
from django.template.loader import render_to_string

from apps.accounts.models import Membership
from apps.courses.models import Lab
from apps.dashboard.models import FeedbackDetail, LabPolicy
from apps.dashboard.policies import LabRule
from apps.grading.models import Submission
from apps.grading.result_diff import CHANGED, EXTRA, MISSING, MOVED, SAME, build_result_diff
from tests.apps.factories import CohortFactory, UserFactory
from tests.conftest import FIXTURE_LABS
from tests.course_builder import write_course

LAB = "site-orders-per-customer"
# Rendering a verdict reads the lab's content version from the database.
pytestmark = pytest.mark.django_db


def failed(artifacts: dict) -> dict:
    return {"name": "rows match", "passed": False, "message": "…", "hint": "", "artifacts": artifacts}


ROWS = {
    "preview": {
        "columns": ["name", "orders"],
        "rows": [["Ada", 2], ["Brian", 1], ["Chen", "1.0000000001"], ["Zed", 4]],
    },
    "expected_preview": {"columns": ["name", "orders"], "rows": [["Ada", 2], ["Brian", 0], ["Chen", 1]]},
    "diff": {
        "missing": [["Brian", 0], ["Dora", 3]],
        "unexpected": [["Brian", 1], ["Zed", 4]],
        "missing_count": 2,
        "unexpected_count": 2,
    },
}


def test_a_wrong_row_is_paired_with_its_expected_row_by_key_and_only_the_differing_cell_is_marked():
    diff = build_result_diff(failed(ROWS), shows_expected=True)
    statuses = [(row.status, [cell.value for cell in row.cells]) for row in diff.rows]
    assert statuses == [
        (SAME, ["Ada", 2]),
        (CHANGED, ["Brian", 1]),
        (SAME, ["Chen", "1.0000000001"]),  # within the checks' tolerance: the same value
        (EXTRA, ["Zed", 4]),
        (MISSING, ["Dora", 3]),
    ]
    brian = diff.rows[1]
    assert [cell.changed for cell in brian.cells] == [False, True] and brian.cells[1].expected == 0
    assert (diff.missing_count, diff.extra_count, diff.missing_not_shown) == (2, 2, 0)


def test_without_the_expected_output_level_only_the_learners_own_wrong_rows_are_marked():
    diff = build_result_diff(failed(ROWS), shows_expected=False)
    assert [row.status for row in diff.rows] == [SAME, EXTRA, SAME, EXTRA]
    assert not any(cell.changed or cell.expected is not None for row in diff.rows for cell in row.cells)
    assert diff.missing_not_shown == 2  # counted, never listed


def test_a_row_out_of_order_is_marked_and_compared_with_the_expected_row_at_its_place():
    artifacts = {
        "preview": {"columns": ["name"], "rows": [["Ada"], ["Chen"], ["Brian"]]},
        "expected_preview": {"columns": ["name"], "rows": [["Ada"], ["Brian"], ["Chen"]]},
        "diff": {"first_difference": 1},
    }
    diff = build_result_diff(failed(artifacts), shows_expected=True)
    assert [row.status for row in diff.rows] == [SAME, MOVED, SAME]
    assert diff.rows[1].cells[0].changed and diff.rows[1].cells[0].expected == "Brian"
    hidden = build_result_diff(failed(artifacts), shows_expected=False)
    assert hidden.rows[1].status == MOVED and not hidden.rows[1].cells[0].changed


def test_whole_results_without_a_diff_artifact_are_compared_here_as_the_mongo_checks_store_them():
    artifacts = {
        "preview": {"columns": ["_id", "total"], "rows": [["a", 5], ["b", 7]], "truncated": False},
        "expected_preview": {"columns": ["_id", "total"], "rows": [["a", 5], ["b", 9], ["c", 1]], "truncated": False},
    }
    diff = build_result_diff(failed(artifacts), shows_expected=True)
    assert [row.status for row in diff.rows] == [SAME, CHANGED, MISSING]


def test_nothing_is_marked_for_a_passed_check_a_columns_failure_or_a_hidden_dataset_failure():
    assert build_result_diff(dict(failed(ROWS), passed=True), shows_expected=True) is None
    # The hidden dataset failed: the visible rows (all the artifacts hold) match, no diff stored.
    visible_only = {"preview": ROWS["expected_preview"], "expected_preview": ROWS["expected_preview"]}
    visible_only["preview"] = dict(visible_only["preview"], truncated=True)
    assert build_result_diff(failed(visible_only), shows_expected=True) is None
    other_width = dict(ROWS, diff={"missing": [["Brian"]], "unexpected": [], "missing_count": 1})
    assert build_result_diff(failed(other_width), shows_expected=True) is None


def render(check: dict, rule: LabRule | None, kind: str = "submit") -> str:
    result = {"score": 0.0, "gradable": True, "status": "graded", "message": "", "checks": [check], "artifacts": {}}
    submission = Submission(pk=7, kind=kind, status="done", score=0.0, result=result)
    return render_to_string("grading/_submission.html", {"submission": submission, "rule": rule})


def test_the_page_marks_cells_with_a_symbol_and_a_label_not_colour_alone_and_has_a_legend():
    html = render(failed(ROWS), LabRule(detail=FeedbackDetail.EXPECTED))
    marked = '<span class="cell-mark" aria-hidden="true">≠</span><span class="visually-hidden">differs: </span>1'
    assert f'class="cell-changed">{marked}' in html
    assert '<span class="expected-value">expected 0</span>' in html
    assert '<span class="visually-hidden">should not be there</span>' in html
    assert '<span class="visually-hidden">missing from your result</span>' in html and "Dora" in html
    assert 'aria-label="Legend"' in html and "a cell that differs from the expected row" in html


@pytest.mark.parametrize(
    ("detail", "shown"),
    [(FeedbackDetail.SCORE, False), (FeedbackDetail.CHECKS, True), (FeedbackDetail.EXPECTED, True)],
)
def test_the_feedback_detail_decides_what_the_diff_tells(detail, shown):
    check = failed(dict(ROWS, expected_preview={"columns": ["name", "orders"], "rows": [["SECRET", 0]]}))
    check["artifacts"]["diff"] = dict(ROWS["diff"], missing=[["Brian", 0], ["SECRET-ROW", 3]])
    html = render(check, LabRule(detail=detail))
    assert ("What differs" in html) is shown
    assert ("SECRET-ROW" in html) is (detail == FeedbackDetail.EXPECTED)
    assert ("expected 0" in html) is (detail == FeedbackDetail.EXPECTED)
    if detail == FeedbackDetail.CHECKS:
        assert "your instructor does not show the expected rows" in html


def test_a_run_shows_no_diff():
    assert "What differs" not in render(failed(ROWS), LabRule(), kind="run")


# --------------------------------------------------------------------------- through the page


@pytest.fixture
def course(tmp_path, settings, db):
    from apps.courses.services import sync_curriculum

    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_LABS, root / "labs")
    settings.CURRICULUM_DIR = root
    settings.INDEXED_SUBMISSIONS_PER_MINUTE = 100
    sync_curriculum(root)
    return root


COUNT_STAR = (
    "SELECT c.name, count(*) AS orders FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
    "GROUP BY c.id, c.name ORDER BY c.name;"
)


def submit(client, captured, answer: str) -> str:
    with captured(execute=True):
        response = client.post(f"/labs/{LAB}/submit/", {"answer": answer, "action": "submit"})
    assert response.status_code == 302
    submission = Submission.objects.order_by("-pk").first()
    assert submission.status == "done", submission.result
    return client.get(f"/submissions/{submission.pk}/").content.decode()


def test_a_real_wrong_count_marks_brians_count_cell_on_the_learners_page(
    client, course, django_capture_on_commit_callbacks
):
    learner = UserFactory()
    client.force_login(learner)
    page = submit(client, django_capture_on_commit_callbacks, COUNT_STAR)
    diff = page.split('<div class="result-diff">')[1].split("</table>")[0]
    brian = next(row for row in re.findall(r"<tr.*?</tr>", diff, re.S) if "Brian" in row)
    assert 'class="row-changed"' in brian and "expected 0" in brian
    assert brian.count("cell-changed") == 1
    ada = next(row for row in re.findall(r"<tr.*?</tr>", diff, re.S) if "Ada" in row)
    assert "cell-changed" not in ada and 'class="row-same"' in ada
    # The same verdict for a learner whose instructor shows checks but not expected output.
    cohort = CohortFactory()
    Membership.objects.create(cohort=cohort, user=learner)
    LabPolicy.objects.create(cohort=cohort, lab=Lab.objects.get(key=LAB), detail=FeedbackDetail.CHECKS)
    page = client.get(f"/submissions/{Submission.objects.order_by('-pk').first().pk}/").content.decode()
    diff = page.split('<div class="result-diff">')[1].split("</div>\n</div>")[0]
    assert "expected 0" not in diff and "cell-changed" not in diff and "row-extra" in diff
