"""The mongo check's ``state`` parameter: a collection read by the grader after the learner's
operations, compared with what the reference operations leave, on the lab's and the hidden data."""

from __future__ import annotations

import json
from pathlib import Path

from labs.runner import grade
from labs.spec import load_spec

EXERCISE = Path(__file__).resolve().parents[2] / "curriculum" / "exercises" / "nosql" / "mongo-subset-pattern"


def failed(result) -> dict[str, str]:
    return {c.name: c.message for c in result.checks if not c.passed}


def test_the_reference_operations_leave_the_expected_state():
    spec = load_spec(EXERCISE)
    result = grade(spec, spec.solution_path.read_text())
    assert result.score == 1.0, failed(result)
    assert all("holds what the reference leaves" in c.message for c in result.checks)


def test_a_wrong_order_is_shown_on_the_lab_data_and_only_described_on_hidden_data():
    spec = load_spec(EXERCISE)
    operations = json.loads(spec.solution_path.read_text())
    operations[1]["update"]["$push"]["recentReviews"]["$sort"] = {"at": 1}  # oldest first
    result = grade(spec, json.dumps(operations))
    assert list(failed(result)) == ["the product embeds the three newest reviews, newest first, with its count updated"]
    check = next(c for c in result.checks if not c.passed)
    seed, hidden = check.artifacts["problems"]
    assert seed.startswith("After your operations, `products` on the lab's data differs") and "TEAPOT" in seed
    assert hidden.startswith("After your operations, `products` on the hidden dataset differs")
    assert "Good value" not in hidden and "cus-50" not in hidden  # hidden documents are never quoted


def test_an_answer_that_only_queries_changes_nothing_and_fails_both_states():
    spec = load_spec(EXERCISE)
    result = grade(spec, '{"collection": "products", "find": {}}')
    assert result.score == 0
    assert "review is in the reviews collection" in " ".join(failed(result))
