"""Issue 8, parts 4 and 6: hostile answers through the real runtime (labs.grade on fixture
labs, the emulated MongoDB, a real redis-server, the runbook parser) cannot make the grader
fault, run past the lab's limit or grow its memory, and nothing of a hidden dataset reaches
any output.

Memory is measured in a fresh interpreter (VmHWM, the peak resident set, before and after
the grade), so one test's allocations cannot hide or inflate another's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labs import grade, load_spec
from labs.result import GRADED, REJECTED, TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
LABS = ROOT / "tests" / "fixtures" / "course" / "labs"
MONGO = LABS / "mongo-aggregation"
REDIS = LABS / "redis-leaderboard"
GRADER_MEMORY_BOUND_MB = 150  # the peak may grow by this much at most while one hostile answer is graded

# Values that appear only in the hidden datasets (hidden.json, hidden.redis), never in the lab's own data.
MONGO_HIDDEN_ONLY = ("zoe", "yan", "xia")
REDIS_HIDDEN_ONLY = ("frank", "gina")


def _grade_in_subprocess(lab: Path, answer: str) -> dict:
    """Grade in a fresh interpreter; the Result as a dict plus the grader's peak-memory growth."""
    script = textwrap.dedent(
        """
        import json, sys
        from labs import grade, load_spec

        def peak_kb():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])

        spec = load_spec(sys.argv[1])
        answer = sys.stdin.read()
        before = peak_kb()
        result = grade(spec, answer).to_dict()
        result["_peak_growth_mb"] = (peak_kb() - before) / 1024
        result["_time_limit"] = spec.time_limit
        print(json.dumps(result))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(lab)],
        input=answer,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_contained(result: dict, statuses: tuple[str, ...] = (GRADED, REJECTED, TIMEOUT)) -> None:
    assert result["gradable"], result["message"]
    assert result["status"] in statuses
    assert result["_peak_growth_mb"] < GRADER_MEMORY_BOUND_MB, result["_peak_growth_mb"]
    assert result["duration_ms"] < result["_time_limit"] * 1000 + 1000


# --------------------------------------------------------------------------- Mongo


def test_deeply_nested_mongo_answer_is_a_learner_verdict_with_its_line_and_column():
    answer = '{"collection": "orders",\n "pipeline": [{"$match": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}]}"
    result = grade(load_spec(MONGO), answer)
    assert result.gradable and result.status == REJECTED
    assert "line 2, column" in result.message
    assert "more than 100 levels deep" in result.message


def test_mongo_integer_beyond_64_bits_is_a_learner_verdict_with_its_path():
    answer = json.dumps({"collection": "orders", "find": {}, "limit": 2**70})
    result = grade(load_spec(MONGO), answer)
    assert result.gradable and result.status == REJECTED
    assert "limit is a whole number beyond 64 bits" in result.message


def test_mongo_pipeline_doubling_an_array_is_refused_like_mongodb_and_the_grader_stays_small():
    doubling = [{"$addFields": {"a": {"$concatArrays": ["$a", "$a"]}}}] * 24
    pipeline = [{"$limit": 1}, {"$project": {"_id": 0, "a": {"$literal": [1]}}}, *doubling]
    result = _grade_in_subprocess(MONGO, json.dumps({"collection": "orders", "pipeline": pipeline}))
    _assert_contained(result, (GRADED,))
    message = result["checks"][0]["message"]
    assert "larger than MongoDB's 16 MiB document limit" in message
    assert "BSONObj size" in message
    assert "… 18 more" in message  # the pipeline's stages are summarised, not listed in full
    assert "concatenates or doubles an array" in result["checks"][0]["hint"]
    assert len(json.dumps(result)) < 20_000


def test_mongo_documents_sharing_arrays_cannot_blow_up_when_rendered():
    # [a, a] repeated: tiny in the engine's memory (shared references), 2^30 leaves when rendered.
    doubling = [{"$addFields": {"a": ["$a", "$a"]}}] * 30
    pipeline = [{"$limit": 1}, {"$project": {"_id": 0, "a": {"$literal": 1}}}, *doubling]
    result = _grade_in_subprocess(MONGO, json.dumps({"collection": "orders", "pipeline": pipeline}))
    _assert_contained(result)
    assert not any(check["passed"] for check in result["checks"])
    assert len(json.dumps(result)) < 50_000


def test_mongo_update_that_doubles_an_array_stops_at_16_mib_or_the_lab_limit():
    grow = {"updateMany": "orders", "filter": {"customer": "cy"}, "update": [{"$set": {"a": [1]}}]}
    double = {
        "updateMany": "orders",
        "filter": {"customer": "cy"},
        "update": [{"$set": {"a": {"$concatArrays": ["$a", "$a"]}}}],
    }
    answer = json.loads((MONGO / "solution.json").read_text())
    answer["operations"] = [grow] + [double] * 30
    result = _grade_in_subprocess(MONGO, json.dumps(answer))
    _assert_contained(result, (GRADED, TIMEOUT))
    if result["status"] == GRADED:
        assert "Resulting document after update is larger than 16777216" in json.dumps(result)


def test_mongo_hidden_dataset_messages_name_the_case_and_quote_none_of_it():
    answer = (MONGO / "wrong" / "known_customers_only.json").read_text()
    result = grade(load_spec(MONGO), answer)
    assert result.gradable and result.score < 1.0
    hidden_check = result.checks[0]
    assert not hidden_check.passed
    assert hidden_check.message.startswith("On the hidden dataset")
    assert "Expected 4 document(s), your query returned 1" in hidden_check.message
    assert "NULLs or missing fields" in hidden_check.message
    assert "involve" in hidden_check.message  # the kind of case: NULLs/missing fields, empty groups...
    assert "hidden" not in hidden_check.artifacts.get("preview", {})
    everything = json.dumps(result.to_dict())
    for value in MONGO_HIDDEN_ONLY:
        assert value not in everything


# --------------------------------------------------------------------------- Redis


def _redis_solution() -> str:
    return (REDIS / "solution.redis").read_text()


def test_redis_script_returning_a_table_nested_thousands_deep_is_graded():
    deep = 'EVAL "local t = {} local c = t for i=1,5000 do local n = {} c[1] = n c = n end return t" 0\n'
    result = grade(load_spec(REDIS), deep + _redis_solution())
    assert result.gradable and result.status == GRADED, result.message
    assert result.score == 1.0
    shown = result.checks[0].artifacts["commands"][0]["reply"]
    assert len(shown) <= 200


def test_redis_replies_of_millions_of_elements_do_not_grow_the_grader():
    fill = "EVAL \"for i=1,150000 do redis.call('RPUSH', 'junk', i) end return 1\" 0\n"
    big = fill + "LRANGE junk 0 -1\n" * 12 + "EVAL \"return string.rep('x', 8000000)\" 0\n" * 3
    result = _grade_in_subprocess(REDIS, big + _redis_solution())
    _assert_contained(result)
    if result["status"] == GRADED:
        replies = [step["reply"] for step in result["checks"][0]["artifacts"]["commands"]]
        assert all(len(reply) <= 200 for reply in replies)
        assert any("more" in reply for reply in replies[1:])
    assert len(json.dumps(result)) < 100_000


def test_redis_hidden_dataset_messages_name_the_case_and_quote_none_of_it():
    result = grade(load_spec(REDIS), (REDIS / "wrong" / "hardcoded.redis").read_text())
    assert result.gradable and result.score < 1.0
    failed = [c for c in result.checks if not c.passed]
    assert any("On the hidden dataset" in c.message for c in failed)
    everything = json.dumps(result.to_dict())
    for value in REDIS_HIDDEN_ONLY:
        assert value not in everything


# --------------------------------------------------------------------------- runbooks


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("'@drop.time - 99999999999999999999s'", "the offset is out of range"),
        ("'@drop.time + 1e400s'", "is not a mark reference"),
    ],
)
def test_runbook_time_offset_that_would_overflow_is_an_error_on_its_line(value, why):
    runbook = f"restore_base_backup\nset recovery_target_time {value}\nset recovery_target_action promote\nstart\n"
    result = grade(load_spec(LABS / "ops-pitr"), runbook)
    assert result.gradable and result.status == REJECTED, result.message
    assert "line 2" in result.message and why in result.message
    assert result.duration_ms < 5000


def test_runbook_numbers_that_int_refuses_are_errors_on_their_line():
    runbook = "restore_base_backup\nset recovery_target_timeline ²\nstart\n"
    result = grade(load_spec(LABS / "ops-pitr"), runbook)
    assert result.gradable and result.status == REJECTED, result.message
    assert "line 2" in result.message
