"""The Redis fixture labs graded end to end: each solution scores 1.0, each realistic wrong
answer scores less with a message that says what was expected and what was seen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labs.runner import grade
from labs.sandbox.redis import WARM_CLUSTERS, redis_version
from labs.spec import load_spec
from tests.labs.test_redis_sandbox import own_redis_children, own_sandbox_dirs

pytestmark = pytest.mark.skipif(redis_version() is None, reason="redis-server is not installed")

LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"
REDIS_LABS = sorted(p.name for p in LABS.glob("redis-*"))


@pytest.fixture(autouse=True, scope="module")
def nothing_left_behind():
    yield
    WARM_CLUSTERS.shutdown()
    assert own_redis_children() == []
    assert own_sandbox_dirs() == []


def grade_file(lab: str, name: str):
    spec = load_spec(LABS / lab)
    return grade(spec, (spec.root / name).read_text())


def failed(result) -> dict[str, str]:
    return {c.name: f"{c.message} || {c.hint}" for c in result.checks if not c.passed}


@pytest.mark.parametrize("lab", REDIS_LABS)
def test_redis_lab_solution_scores_full_marks(lab):
    result = grade_file(lab, load_spec(LABS / lab).solution_path.name)
    assert result.status == "graded", result.message
    assert result.score == 1.0, failed(result)


@pytest.mark.parametrize(
    ("lab", "wrong"),
    [(lab, path.name) for lab in REDIS_LABS for path in load_spec(LABS / lab).wrong_paths],
)
def test_redis_lab_wrong_answer_scores_less_with_helpful_messages(lab, wrong):
    result = grade_file(lab, f"wrong/{wrong}")
    assert result.status == "graded", result.message
    assert result.score < 1.0
    json.dumps(result.to_dict())  # the result survives JSON, artifacts included
    for check in result.checks:
        if not check.passed:
            assert check.message.startswith(("Expected", "On the", "After your", "`", "1", "2", "Reading")), (
                check.message
            )
            assert check.hint


def test_every_redis_lab_has_at_least_two_wrong_answers():
    assert set(REDIS_LABS) >= {"redis-leaderboard", "redis-cluster"}
    for lab in REDIS_LABS:
        assert len(load_spec(LABS / lab).wrong_paths) >= 2


def test_hard_coded_leaderboard_passes_on_the_lab_data_but_not_on_hidden_data():
    result = grade_file("redis-leaderboard", "wrong/hardcoded.redis")
    problems = failed(result)
    assert list(problems) == ["the same leaderboard as the reference, on the lab's data and on hidden data"]
    assert "On the hidden dataset" in next(iter(problems.values()))
    assert "copies values from seed.redis" in next(iter(problems.values()))


def test_expiry_lost_by_a_later_store_is_explained():
    problems = failed(grade_file("redis-leaderboard", "wrong/expire_before_store.redis"))
    assert "but it has no expiry" in problems["lb:week expires in one hour"]
    assert "ZUNIONSTORE, remove an expiry set before them" in problems["lb:week expires in one hour"]


def test_milliseconds_given_to_expire_are_spotted():
    problems = failed(grade_file("redis-leaderboard", "wrong/aggregate_max.redis"))
    assert "Did you give milliseconds to EXPIRE" in problems["lb:week expires in one hour"]
    assert "AGGREGATE MAX" in problems["the top three of the week"]


def test_cluster_lab_without_hash_tags_reports_the_crossslot_lines():
    result = grade_file("redis-cluster", "wrong/no_hash_tag.redis")
    assert result.score == 0
    message = failed(result)["every command ran without CROSSSLOT"]
    assert "12 of your commands failed with CROSSSLOT (lines 2, 3" in message
    assert "{hash tag}" in message


def test_cluster_lab_with_one_tag_for_everybody_is_told_about_the_skew():
    problems = failed(grade_file("redis-cluster", "wrong/one_tag_for_all.redis"))
    assert "one shard holds none of them" in problems["users spread over the three shards"]
    assert "All 12 keys hash to slot" in problems["users spread over the three shards"]
