"""The real-mongod engine: standalone, replica set and sharded topologies, explain. These
run only where mongod is installed (MONGOD or PATH); the Debian archive does not carry it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from labs.runner import grade
from labs.sandbox import base
from labs.sandbox.mongo import ENGINE, find_mongod, find_mongos, mongod_store
from labs.spec import load_spec

pytestmark = pytest.mark.skipif(
    find_mongod() is None,
    reason="mongod is not installed (set MONGOD or put it on PATH); the emulated engine is tested in "
    "test_mongo_emulated.py",
)
LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"


@pytest.fixture(autouse=True, scope="module")
def nothing_left_behind():
    yield
    root = base.SANDBOX_ROOT
    leftovers = list(root.glob(f"mongo-*-{os.getpid()}-*")) if root.exists() else []
    assert leftovers == []


def test_the_real_engine_offers_explain_and_replication():
    assert ENGINE.kind == "mongod"
    assert {"explain", "replication", "validation"} <= ENGINE.capabilities()


@pytest.mark.parametrize("lab", ["mongo-aggregation", "mongo-validator", "mongo-explain"])
def test_fixture_labs_grade_on_a_real_mongod(lab):
    spec = load_spec(LABS / lab)
    assert grade(spec, spec.solution_path.read_text()).score == 1.0
    for wrong in spec.wrong_paths:
        result = grade(spec, wrong.read_text())
        assert result.status == "graded", result.message
        assert result.score < 1.0


def test_the_learner_user_cannot_reach_other_databases():
    with mongod_store("standalone", {}) as store:
        store.learner["lab"]["t"].insert_one({"a": 1})
        with pytest.raises(Exception, match="not authorized"):
            store.learner["admin"].command("listDatabases")


def test_a_replica_set_elects_a_primary_and_replicates():
    with mongod_store("replica_set", {"members": 3}) as store:
        from pymongo.write_concern import WriteConcern

        replicated = store.grader["lab"].get_collection("t", write_concern=WriteConcern(w=3, wtimeout=20000))
        replicated.insert_one({"a": 1})  # acknowledged only once all three members have it
        status = store.grader.admin.command("replSetGetStatus")
        assert sorted(m["stateStr"] for m in status["members"]) == ["PRIMARY", "SECONDARY", "SECONDARY"]


@pytest.mark.skipif(find_mongos() is None, reason="mongos is not installed next to mongod (set MONGOS)")
def test_a_sharded_cluster_shards_a_collection(tmp_path):
    with mongod_store("sharded", {"shards": 2}) as store:
        store.grader.admin.command("shardCollection", "lab.orders", key={"customer": "hashed"})
        store.grader["lab"]["orders"].insert_many([{"customer": f"c{i}"} for i in range(100)])
        shards = store.grader["config"]["shards"].count_documents({})
        assert shards == 2


def test_an_endless_query_on_mongod_times_out_within_the_limit(tmp_path):
    spec = load_spec(LABS / "mongo-aggregation")
    heavy = {
        "collection": "orders",
        "pipeline": [
            {
                "$lookup": {
                    "from": "orders",
                    "pipeline": [{"$lookup": {"from": "orders", "pipeline": [], "as": "x"}}],
                    "as": "y",
                }
            },
            {"$unwind": "$y"},
            {"$unwind": "$y.x"},
            {"$count": "n"},
        ],
    }
    started = time.monotonic()
    result = grade(spec, json.dumps(heavy))
    assert time.monotonic() - started < spec.time_limit + 1
    assert result.status in ("graded", "timeout")
