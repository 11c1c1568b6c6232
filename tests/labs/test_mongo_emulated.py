"""The emulated MongoDB engine (mongomock in a child process) and every mongo check family,
passing and failing. These run everywhere; real-mongod tests live in test_mongo_mongod.py."""

from __future__ import annotations

import json
import os
import pwd
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from labs.attempt import EngineUnsupported, LearnerTimeout
from labs.checks import mongo as mongo_checks
from labs.checks.mongo import CheckParamError
from labs.engines.mongo import attempt as mongo_attempt
from labs.result import TIMEOUT, UNAVAILABLE, UNSUPPORTED
from labs.runner import grade
from labs.sandbox import base
from labs.sandbox import mongo as mongo_engine
from labs.sandbox.mongo import ENGINE
from labs.spec import CheckSpec, load_spec


@pytest.fixture(autouse=True)
def emulated_engine(monkeypatch):
    """Force the emulated engine even where mongod happens to be installed."""
    monkeypatch.setattr(mongo_attempt, "find_mongod", lambda: None)  # where the engine looks it up


def own_mongo_dirs() -> list[Path]:
    root = base.SANDBOX_ROOT
    return sorted(root.glob(f"mongo-*-{os.getpid()}-*")) if root.exists() else []


def child_pids() -> set[int]:
    """Forks of this process still alive: what an emulated server left running would be.
    (Other children, such as the warm Postgres pool of earlier tests, run other programs.)"""
    own_command = Path("/proc/self/cmdline").read_bytes()
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and command == own_command:
            children.add(int(stat.parent.name))
    return children


@pytest.fixture(autouse=True, scope="module")
def nothing_left_behind():
    yield
    assert child_pids() == set()
    assert own_mongo_dirs() == []


def write_lab(root: Path, checks: str, seed: dict, solution: object, hidden: dict | None = None, **fields) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    header = {"id": "t-mongo", "title": "t", "engine": "mongo", "topology": "standalone", "time_limit": 10, **fields}
    lines = [f"{k} = {json.dumps(v)}" for k, v in header.items()]
    (root / "lab.toml").write_text("\n".join(lines) + "\n" + checks)
    (root / "seed.json").write_text(json.dumps(seed))
    (root / "solution.json").write_text(json.dumps(solution))
    if hidden is not None:
        (root / "hidden.json").write_text(json.dumps(hidden))
    return root


ORDERS = {
    "collections": {
        "orders": [
            {"customer": "ada", "status": "paid", "total": 10},
            {"customer": "bob", "status": "paid", "total": 30},
            {"customer": "ada", "status": "paid", "total": 15.5},
            {"customer": "cy", "status": "pending", "total": 99},
        ]
    },
    "indexes": {"orders": [{"keys": {"status": 1}, "name": "status_1"}]},
}
HIDDEN = {
    "collections": {
        "orders": [
            {"customer": "dee", "status": "paid", "total": 5},
            {"customer": "eve", "status": "paid"},
            {"status": "paid", "total": None},
        ]
    }
}
REFERENCE = {
    "collection": "orders",
    "pipeline": [
        {"$match": {"status": "paid"}},
        {"$group": {"_id": "$customer", "spent": {"$sum": "$total"}}},
        {"$sort": {"spent": -1, "_id": 1}},
    ],
}
RESULT_CHECK = '[[checks]]\ntype = "mongo"\nresult = true\n'


def answer_with(pipeline: list, operations: list | None = None) -> str:
    answer: dict = {"collection": "orders", "pipeline": pipeline}
    if operations:
        answer["operations"] = operations
    return json.dumps(answer)


# The learner's answer for the shared attempt: the reference pipeline, after schema work.
OPERATIONS = [
    {"createIndex": "orders", "keys": {"customer": 1, "total": -1}, "name": "customer_total"},
    {"createIndex": "orders", "keys": {"status": 1}, "unique": True},  # fails: duplicates
    {
        "createCollection": "products",
        "validator": {
            "$jsonSchema": {"required": ["sku"], "properties": {"price": {"bsonType": "number", "minimum": 0}}}
        },
    },
    {"createCollection": "notes"},
    {"createCollection": "drafts", "validator": {"$jsonSchema": {"required": ["title"]}}, "validationAction": "warn"},
    {"insertOne": "products", "document": {"sku": "A", "price": 1}},
    {"updateOne": "products", "filter": {"sku": "A"}, "update": {"$set": {"price": -5}}},  # fails validation
]


@pytest.fixture(scope="module")
def attempt(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mongo_attempt, "find_mongod", lambda: None)  # where the engine looks it up
        root = write_lab(tmp_path_factory.mktemp("labs") / "m", RESULT_CHECK, ORDERS, REFERENCE, HIDDEN)
        with ExitStack() as stack:
            yield stack.enter_context(
                ENGINE.open_attempt(
                    load_spec(root), answer_with(REFERENCE["pipeline"], OPERATIONS), time.monotonic() + 120
                )
            )


def run(attempt, params: dict):
    return mongo_checks.check(attempt, CheckSpec(type="mongo", name="t", weight=1, params=params, index=0))


def test_emulated_engine_declares_what_it_can_do():
    assert ENGINE.kind == "emulated"
    assert ENGINE.capabilities() == {"aggregation", "indexes", "validation"}


def test_the_emulated_server_is_a_separate_unprivileged_process_gone_after_the_attempt(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    with ENGINE.open_attempt(spec, json.dumps(REFERENCE), time.monotonic() + 30) as attempt:
        process = attempt.store.server
        assert process.pid != os.getpid() and process.is_alive() and process.pid in child_pids()
        if os.geteuid() == 0:
            owner = pwd.getpwuid(os.stat(f"/proc/{process.pid}").st_uid).pw_name
            assert owner.startswith("indexed-sbx-") or owner == base.SANDBOX_USER
            # and it sits in its own box: another network namespace, nothing of our environment
            assert os.readlink(f"/proc/{process.pid}/ns/net") != os.readlink("/proc/self/ns/net")
        directory = next(iter(own_mongo_dirs()))
        assert str(process.pid) in (directory / base.OWNER_FILE).read_text()
    assert not process.is_alive()
    assert own_mongo_dirs() == []


def test_the_emulated_server_is_torn_down_when_a_check_raises(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    with pytest.raises(RuntimeError), ENGINE.open_attempt(spec, json.dumps(REFERENCE), time.monotonic() + 30) as a:
        process = a.store.server
        raise RuntimeError("boom")
    assert not process.is_alive()
    assert own_mongo_dirs() == []


def test_a_runaway_pipeline_ends_as_a_timeout_within_the_limit_plus_one_second(tmp_path):
    many = {"collections": {"orders": [{"k": i % 10, "v": i} for i in range(600)]}}
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, many, REFERENCE, time_limit=2))
    self_join = [
        {"$lookup": {"from": "orders", "localField": "k", "foreignField": "k", "as": "m"}},
        {"$unwind": "$m"},
        {"$count": "n"},
    ]
    before = child_pids()
    started = time.monotonic()
    result = grade(spec, answer_with(self_join))
    assert result.status == TIMEOUT
    assert result.gradable
    assert time.monotonic() - started < spec.time_limit + 1
    assert "limit of 2 s" in result.message and "$lookup" in result.message
    assert child_pids() == before


def test_a_feature_the_emulation_lacks_is_the_platforms_limit_not_a_failure(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    result = grade(spec, answer_with([{"$project": {"r": {"$range": [0, 3]}}}]))
    assert result.status == UNSUPPORTED  # not platform_error: a retry would fail the same way
    assert not result.gradable
    assert "does not support $range" in result.message
    assert "emulated engine" in result.message and "does not count" in result.message


def test_a_misspelt_stage_is_the_learners_mistake(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    result = grade(spec, answer_with([{"$grup": {"_id": "$customer"}}]))
    assert result.status == "graded"
    assert result.score == 0
    assert "MongoDB refused the pipeline on `orders` ($grup)" in result.checks[0].message


@pytest.mark.parametrize(
    ("topology", "requires", "checks", "capability", "reason"),
    [
        ("standalone", ["explain"], RESULT_CHECK, "explain", "cannot explain queries; install mongod"),
        ("replica_set", [], RESULT_CHECK, "replication", "has no replica sets"),
        ("sharded", [], RESULT_CHECK, "sharding", "has no sharded clusters"),
        ("standalone", [], '[[checks]]\ntype = "mongo"\nexplain = {query = "answer"}\n', "explain", "cannot explain"),
    ],
)
def test_labs_needing_a_real_mongod_are_unavailable_with_the_reason(
    tmp_path, topology, requires, checks, capability, reason
):
    spec = load_spec(write_lab(tmp_path / "lab", checks, ORDERS, REFERENCE, topology=topology, requires=requires))
    assert capability in ENGINE.missing_capabilities(spec)
    result = grade(spec, json.dumps(REFERENCE))
    assert result.status == UNAVAILABLE
    assert not result.gradable
    assert "not available on this installation" in result.message
    assert reason in result.message


def test_learner_operations_that_fail_are_recorded_and_the_rest_still_run(attempt):
    errors = attempt.operation_errors()
    assert [o.operation.position for o in errors] == [2, 7]
    assert "status_1 already exists with different options" in errors[0].error
    assert "Document failed validation: field `price` must be at least 0 (got -5)" in errors[1].error
    # the refused update was rolled back
    documents = attempt.store.server.call("query", "lab", mongo_engine.parse_query(
        {"collection": "products", "find": {}}), 5)  # fmt: skip
    assert documents[0]["price"] == 1


PASSING = [
    {"result": True},
    {"result": True, "datasets": ["hidden"]},
    {"result": True, "ordered": False, "tolerance": 0.01},
    {"indexes": [{"collection": "orders", "keys": [["customer", 1], ["total", -1]], "name": "customer_total"}]},
    {"indexes": {"collection": "orders", "keys": {"status": 1}}},
    {
        "validator": {
            "collection": "products",
            "reject": [{"price": 1}, '{"sku": "B", "price": -1}'],
            "accept": [{"sku": "C"}],
        }
    },
]


@pytest.mark.parametrize("params", PASSING, ids=lambda p: ",".join(p))
def test_mongo_check_passes(attempt, params):
    result = run(attempt, params)
    assert result.passed, result.message
    assert result.message.startswith("As expected: ")


FAILING = [
    ({"indexes": {"collection": "orders", "keys": {"total": -1, "customer": 1}}}, "the collection has: _id_", "ESR"),
    (
        {"indexes": {"collection": "orders", "keys": {"placed": 1}}},
        "Expected an index on `orders` with keys {placed: 1}",
        "createIndex",
    ),
    (
        {"indexes": {"collection": "orders", "keys": {"status": 1}, "unique": True}},
        "has the right keys but unique: not set",
        "drop",
    ),
    (
        {"indexes": {"collection": "orders", "keys": {"status": 1}, "name": "by_status"}},
        "named `by_status`, but it is named status_1",
        "",
    ),
    (
        {"validator": {"collection": "products", "reject": [{"sku": "D", "price": 2}]}},
        'Expected `products` to reject {"sku": "D", "price": 2}, but it was accepted.',
        "required",
    ),
    (
        {"validator": {"collection": "products", "accept": [{"sku": "E", "price": -2}]}},
        "but MongoDB rejected it: Document failed validation: field `price` must be at least 0",
        "bsonType",
    ),
    ({"validator": {"collection": "drafts", "reject": [{"body": "x"}]}}, 'validationAction is "warn"', ""),
    (
        {"validator": {"collection": "notes", "reject": [{}]}},
        "Expected `notes` to have a validator, but it has none.",
        "collMod",
    ),
    (
        {"validator": {"collection": "ghosts", "reject": [{}]}},
        "a collection `ghosts` with a validator, but it does not exist",
        "createCollection",
    ),
]


@pytest.mark.parametrize(
    ("params", "message", "hint"), FAILING, ids=lambda p: str(p)[:40] if isinstance(p, dict) else ""
)
def test_mongo_check_fails_with_what_was_expected_and_seen(attempt, params, message, hint):
    result = run(attempt, params)
    assert not result.passed
    assert message in result.message
    assert hint in result.hint
    assert "MongoDB refused some of your operations: operation 2 (createIndex on `orders`)" in result.hint
    assert result.artifacts["operations"][0] == {
        "operation": "operation 1 (createIndex on `orders`)",
        "result": "customer_total",
    }


def test_the_result_check_runs_on_hidden_data_and_explains_a_hard_coded_answer(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE, HIDDEN))
    hard_coded = [
        {"$match": {"status": "paid", "customer": {"$in": ["ada", "bob"]}}},
        {"$group": {"_id": "$customer", "spent": {"$sum": "$total"}}},
        {"$sort": {"spent": -1, "_id": 1}},
    ]
    result = grade(spec, answer_with(hard_coded))
    check = result.checks[0]
    assert not check.passed
    assert check.message.startswith("On the hidden dataset")
    assert "Expected 3 document(s), your query returned 0" in check.message
    assert "works on the lab's data but not on other data" in check.hint
    # The table every verdict shows (columns and rows), so "Your rows" is never empty beside a match.
    assert check.artifacts["preview"]["columns"] == ["_id", "spent"]
    assert check.artifacts["preview"]["rows"] == [["bob", 30], ["ada", 25.5]]
    assert check.artifacts["expected_preview"]["rows"] == [["bob", 30], ["ada", 25.5]]


def test_result_order_matters_only_when_the_reference_sorts(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    ascending = REFERENCE["pipeline"][:2] + [{"$sort": {"spent": 1}}]
    result = grade(spec, answer_with(ascending))
    assert "not in the expected order (sorted by spent, _id)" in result.checks[0].message
    unordered = {"collection": "orders", "pipeline": REFERENCE["pipeline"][:2]}
    spec = load_spec(write_lab(tmp_path / "lab2", RESULT_CHECK, ORDERS, unordered))
    assert grade(spec, answer_with(ascending)).score == 1.0


def test_an_answer_without_a_query_is_told_what_to_add(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    result = grade(spec, json.dumps([{"createIndex": "orders", "keys": {"customer": 1}}]))
    assert "Expected a query in your answer, but it only has operations." in result.checks[0].message


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"colour": 1}, "unknown parameter(s) colour"),
        ({"indexes": {"collection": "orders"}}, "needs 'collection' and 'keys'"),
        ({"validator": {"collection": "products"}}, "give documents to 'reject' and/or 'accept'"),
        ({"validator": {"collection": "products", "reject": ["{nope"]}}, "line 1, column 2"),
        ({"result": True, "datasets": ["prod"]}, "must be a list drawn from"),
    ],
)
def test_author_mistakes_in_mongo_checks_name_the_check(attempt, params, problem):
    with pytest.raises(CheckParamError) as caught:
        run(attempt, params)
    assert problem in str(caught.value)


def test_explain_on_the_emulated_engine_is_a_platform_limit(attempt):
    with pytest.raises(EngineUnsupported, match="does not support explain"):
        run(attempt, {"explain": {"collection": "orders", "find": {"customer": "ada"}}})


def test_the_deadline_also_bounds_the_learners_operations(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", RESULT_CHECK, ORDERS, REFERENCE))
    before = child_pids()
    with pytest.raises(LearnerTimeout), ENGINE.open_attempt(spec, json.dumps(REFERENCE), time.monotonic()) as a:
        a.results("seed", "learner")
    assert child_pids() == before
