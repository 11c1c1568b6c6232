"""The MongoDB fixture labs graded end to end on this installation's engine: each solution
scores 1.0, each realistic wrong answer less; labs needing explain are unavailable here."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from labs.result import UNAVAILABLE
from labs.runner import grade
from labs.sandbox.mongo import ENGINE
from labs.spec import load_spec
from tests.labs.test_mongo_emulated import own_mongo_dirs

LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"
MONGO_LABS = sorted(p.name for p in LABS.glob("mongo-*"))


@pytest.fixture(autouse=True, scope="module")
def nothing_left_behind():
    yield
    assert multiprocessing.active_children() == []
    assert own_mongo_dirs() == []


def gradable_here(lab: str) -> bool:
    return not ENGINE.missing_capabilities(load_spec(LABS / lab))


def grade_file(lab: str, name: str):
    spec = load_spec(LABS / lab)
    return grade(spec, (spec.root / name).read_text())


def failed(result) -> dict[str, str]:
    return {c.name: f"{c.message} || {c.hint}" for c in result.checks if not c.passed}


def test_every_mongo_lab_has_a_solution_and_at_least_two_wrong_answers():
    assert set(MONGO_LABS) >= {"mongo-aggregation", "mongo-validator", "mongo-explain"}
    for lab in MONGO_LABS:
        assert len(load_spec(LABS / lab).wrong_paths) >= 2


@pytest.mark.parametrize("lab", MONGO_LABS)
def test_mongo_lab_solution_scores_full_marks_or_is_unavailable_with_a_reason(lab):
    result = grade_file(lab, "solution.json")
    if not gradable_here(lab):
        assert result.status == UNAVAILABLE
        assert not result.gradable
        assert "not available on this installation" in result.message
        return
    assert result.status == "graded", result.message
    assert result.score == 1.0, failed(result)


@pytest.mark.parametrize(
    ("lab", "wrong"), [(lab, p.name) for lab in MONGO_LABS for p in load_spec(LABS / lab).wrong_paths]
)
def test_mongo_lab_wrong_answer_scores_less_with_helpful_messages(lab, wrong):
    result = grade_file(lab, f"wrong/{wrong}")
    if not gradable_here(lab):
        assert result.status == UNAVAILABLE
        return
    assert result.status == "graded", result.message
    assert result.score < 1.0
    json.dumps(result.to_dict())  # the result survives JSON, artifacts included
    for check in result.checks:
        if not check.passed:
            assert check.message and check.hint


@pytest.mark.skipif(ENGINE.kind != "emulated", reason="checks what the emulated engine says about explain")
def test_the_explain_lab_is_unavailable_on_the_emulated_engine():
    result = grade_file("mongo-explain", "solution.json")
    assert result.status == UNAVAILABLE
    assert result.message == (
        "This lab is not available on this installation (explain: the emulated MongoDB engine (mongomock) "
        "cannot explain queries; install mongod to run this lab)."
    )


def test_an_aggregation_that_ignores_unknown_customers_fails_only_on_hidden_data():
    problems = failed(grade_file("mongo-aggregation", "wrong/known_customers_only.json"))
    assert list(problems) == ["the right customers, totals and counts, on your data and on hidden data"]
    assert "On the hidden dataset" in next(iter(problems.values()))


def test_keeping_the_group_id_is_told_to_rename_with_project():
    problems = failed(grade_file("mongo-aggregation", "wrong/keeps_id.json"))
    assert (
        "Your documents have the fields _id, orders, total; the expected ones have customer, orders, total"
        in (problems["biggest spenders first, ties by customer name"])
    )


def test_a_warn_only_validator_is_spotted():
    problems = failed(grade_file("mongo-validator", "wrong/warn_only.json"))
    assert 'Your validationAction is "warn"' in problems["invalid products are rejected"]


def test_an_int_price_refuses_valid_decimal_prices():
    problems = failed(grade_file("mongo-validator", "wrong/price_as_int.json"))
    assert "field `price` must be of type int (got 2.5)" in problems["valid products are accepted"]
