"""How a verdict reads on the page: plan trees with the failing node marked, previews,
and a Run that shows output but no grading."""

from django.template.loader import render_to_string

from apps.grading.models import Submission

PLAN = [
    {
        "Plan": {
            "Node Type": "Limit",
            "Plan Rows": 20,
            "Actual Rows": 20,
            "Total Cost": 9.5,
            "Plans": [
                {
                    "Node Type": "Seq Scan",
                    "Relation Name": "orders",
                    "Plan Rows": 900,
                    "Actual Rows": 20,
                    "Total Cost": 18334.0,
                    "Shared Hit Blocks": 8334,
                    "Rows Removed by Filter": 999980,
                },
            ],
        }
    }
]


def verdict(kind: str, checks: list[dict], score: float = 0.0) -> str:
    submission = Submission(
        pk=7,
        kind=kind,
        status="done",
        score=score,
        result={
            "score": score,
            "gradable": True,
            "status": "graded",
            "message": "",
            "checks": checks,
            "artifacts": {},
            "duration_ms": 5,
        },
    )
    return render_to_string("grading/_submission.html", {"submission": submission})


def test_plan_tree_marks_the_node_that_failed():
    html = verdict(
        "submit",
        [
            {
                "name": "uses an index",
                "passed": False,
                "message": "Seq Scan on orders",
                "hint": "Index the filter columns",
                "weight": 1,
                "artifacts": {"plan": PLAN, "failed_node": [0]},
            }
        ],
    )
    failed = [node for node in html.split("<li class=")[1:] if node.startswith('"plan-node') and " failed" in node[:40]]
    assert len(failed) == 1 and "Seq Scan on orders" in failed[0] and "This step failed the check" in failed[0]
    assert "999,980 rows" in failed[0] and "8,334 own, 8,334 with children" in failed[0]
    assert "Hint:</strong> Index the filter columns" in html and "Score: <strong>0%</strong>" in html


def test_previews_show_nulls_and_expected_rows_for_a_submit():
    preview = {"columns": ["name", "orders"], "rows": [["Ada", None]], "truncated": False}
    html = verdict(
        "submit",
        [
            {
                "name": "rows",
                "passed": False,
                "message": "1 row differs",
                "hint": "",
                "weight": 1,
                "artifacts": {"preview": preview, "expected_preview": preview},
            }
        ],
    )
    assert "Your rows" in html and "Expected rows" in html and '<span class="muted">NULL</span>' in html


def test_a_run_shows_output_but_no_score_verdicts_or_expected_rows():
    preview = {"columns": ["n"], "rows": [[1]], "truncated": False}
    html = verdict(
        "run",
        [
            {
                "name": "rows",
                "passed": False,
                "message": "secret verdict",
                "hint": "a hint",
                "weight": 1,
                "artifacts": {"preview": preview, "expected_preview": preview},
            }
        ],
    )
    assert "not graded, not counted" in html and "Your rows" in html
    assert "Score:" not in html and "secret verdict" not in html and "Expected rows" not in html


def test_a_passing_plan_check_without_a_failed_node_renders_its_plan():
    # A passing plan check carries a plan but no failed_node; this once made every poll,
    # the lab page and the review page answer 500 for good.
    html = verdict(
        "submit",
        [{"name": "uses an index", "passed": True, "message": "Index Scan", "hint": "", "weight": 1,
          "artifacts": {"plan": PLAN}}],
        score=1.0,
    )
    assert "Seq Scan" in html and "This step failed the check" not in html
    assert "failed the check)" not in html and "Score: <strong>100%</strong>" in html
