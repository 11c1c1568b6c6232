"""Every Redis check family, passing and failing, on one real attempt per topology (each
check only reads, so one sandbox serves many cases and the suite stays fast)."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from labs.checks import redis as redis_checks
from labs.checks import redis_sharding
from labs.checks.redis import CheckParamError
from labs.result import PLATFORM_ERROR
from labs.runner import grade
from labs.sandbox.redis import ENGINE, WARM_CLUSTERS, redis_version
from labs.spec import CheckSpec, load_spec
from tests.labs.test_redis_sandbox import own_redis_children, own_sandbox_dirs, write_lab

pytestmark = pytest.mark.skipif(redis_version() is None, reason="redis-server is not installed")

SEED = """\
HSET user:1 name Ada lang en
HSET user:2 name Bob lang fr
RPUSH queue a b c
SADD tags x y z
ZADD scores 10 alice 20 bob
SET counter 5
"""
HIDDEN = """\
HSET user:1 name Cy lang de
HSET user:3 name Dee lang it
ZADD scores 7 erin 3 alice 7 frank
SET counter 9
"""
SOLUTION = """\
SET greeting hello
EXPIRE greeting 100
ZADD lb 30 carol 10 alice 20 bob
ZUNIONSTORE total 1 scores
"""
# Right on the lab's data, but `total` is typed in rather than computed: wrong on hidden data.
ANSWER = """\
SET greeting hello
EXPIRE greeting 100
ZADD lb 30 carol 10 alice 20 bob
ZADD total 10 alice 20 bob
HSET session:1 a 1
HSET session:2 a 1
SET session:3 x
SET big:1 "%s"
""" % ("x" * 4000)


@pytest.fixture(autouse=True, scope="module")
def nothing_left_behind():
    yield
    WARM_CLUSTERS.shutdown()
    assert own_redis_children() == []
    assert own_sandbox_dirs() == []


@pytest.fixture(scope="module")
def attempt(tmp_path_factory):
    root = write_lab(
        tmp_path_factory.mktemp("labs") / "checks", '[[checks]]\ntype = "redis"\nkeys = []\n', SEED, SOLUTION
    )
    (root / "hidden.redis").write_text(HIDDEN)
    spec = load_spec(root)
    with ExitStack() as stack:
        yield stack.enter_context(ENGINE.open_attempt(spec, ANSWER, time.monotonic() + 120))


def run(attempt, params: dict, module=redis_checks):
    return module.check(attempt, CheckSpec(type="redis", name="t", weight=1, params=params, index=0))


PASSING = [
    {"keys": [{"key": "lb", "type": "zset"}, {"key": "user:1", "type": "hash"}, {"key": "queue", "type": "list"}]},
    {"keys": {"pattern": "session:*", "min_count": 3}},
    {"keys": [{"key": "temp", "exists": False}, {"pattern": "tmp:*", "exists": False}]},
    {"keys": {"key": "user:3", "type": "hash"}, "datasets": ["hidden"]},
    {
        "values": [
            {"key": "greeting", "equals": "hello"},
            {"key": "user:1", "field": "name", "equals": "Ada"},
            {"key": "user:2", "equals": {"name": "Bob", "lang": "fr"}},
            {"key": "queue", "equals": ["a", "b", "c"]},
            {"key": "tags", "equals": ["z", "x", "y"]},
            {"key": "scores", "equals": ["alice", "bob"]},
            {"key": "scores", "field": "bob", "equals": 20},
            {"key": "counter", "equals": 5},
        ]
    },
    {"ttl": {"key": "greeting", "min": 90, "max": 100}},
    {
        "zrange": [
            {
                "key": "lb",
                "start": 0,
                "stop": 1,
                "rev": True,
                "withscores": True,
                "equals": [["carol", 30], ["bob", 20]],
            }
        ]
    },
    {"zrange": {"key": "lb", "equals": ["alice", "bob", "carol"]}},
    {
        "commands_effect": [
            {"command": "ZSCORE lb carol", "reply": "30"},
            {"command": "ZCARD lb", "reply": 3},
            {"command": "GET nothing", "nil": True},
            {"command": "INCR greeting", "error": "ERR"},
        ]
    },
    {"max_memory_bytes": 10_000_000},
    {"max_memory_bytes": 10_000, "memory_keys": "big:*"},
    {"same_as_solution": {"keys": ["lb", "greeting"]}},
    {"same_as_solution": {"keys": ["total"], "datasets": ["seed"]}},
]


@pytest.mark.parametrize("params", PASSING, ids=lambda p: ",".join(p))
def test_redis_check_passes_when_the_data_is_right(attempt, params):
    result = run(attempt, params)
    assert result.passed, result.message
    assert result.message.startswith("As expected: ")


FAILING = [
    ({"keys": {"key": "greeting", "type": "hash"}}, "Expected `greeting` to be a hash, but it is a string.", "HSET"),
    ({"keys": {"key": "nope", "type": "list"}}, "Expected key `nope` to be a list, but it does not exist.", "RPUSH"),
    ({"keys": {"pattern": "session:*", "type": "hash"}}, "but it is a string (1 of the matching keys)", "own commands"),
    ({"keys": {"pattern": "session:*", "min_count": 5}}, "at least 5 key(s) matching `session:*`, found 3", "SCAN"),
    ({"keys": {"key": "greeting", "exists": False}}, "Expected key `greeting` not to exist, but it is a string", "DEL"),
    ({"keys": {"key": "user:2", "type": "hash"}, "datasets": ["hidden"]}, "On the hidden dataset", "HSET"),
    ({"values": {"key": "greeting", "equals": "bye"}}, 'to hold "bye", but it holds "hello"', "HGETALL"),
    ({"values": {"key": "user:1", "field": "name", "equals": "Bo"}}, 'field `name` of `user:1` to hold "Bo"', ""),
    ({"values": {"key": "tags", "equals": ["x", "y"]}}, 'but it holds ["x", "y", "z"]', ""),
    ({"values": {"key": "ghost", "equals": 1}}, "Expected `ghost` to hold 1, but the key does not exist.", "name"),
    ({"ttl": {"key": "lb", "min": 10}}, "Expected `lb` to expire in at least 10 s, but it has no expiry.", "EXPIRE"),
    ({"ttl": {"key": "ghost", "max": 10}}, "but the key does not exist", "EXPIRE"),
    ({"ttl": {"key": "greeting", "min": 1000, "max": 2000}}, "2,000 s (33.3 minutes), but it expires in 100 s", ""),
    (
        {"zrange": {"key": "lb", "stop": 0, "rev": True, "withscores": True, "equals": [["bob", 20]]}},
        'to return [["bob", 20]], but it returns [["carol", 30]]',
        "ZUNIONSTORE",
    ),
    ({"zrange": {"key": "greeting", "equals": []}}, "but `greeting` is a string", "ZADD"),
    (
        {"commands_effect": [{"command": "ZCARD lb", "reply": 4}]},
        "`ZCARD lb` should return 4, but it returned (integer) 3",
        "",
    ),
    (
        {"commands_effect": [{"command": "GET greeting", "nil": True}]},
        'should return (nil), but it returned "hello"',
        "",
    ),
    ({"commands_effect": [{"command": "GET greeting", "error": "WRONGTYPE"}]}, "an error starting with WRONGTYPE", ""),
    (
        {"max_memory_bytes": 100, "memory_keys": "big:*"},
        "Expected at most 100 bytes, but the 1 key(s) matching",
        "listpack",
    ),
    (
        {"same_as_solution": {"keys": ["total"]}},
        "On the hidden dataset (same key layout, other values): `total` differs from the reference solution's",
        "seed.redis",
    ),
    ({"same_as_solution": {"patterns": ["session:*"], "datasets": ["seed"]}}, "unexpected `session:1`", ""),
]


@pytest.mark.parametrize(
    ("params", "message", "hint"), FAILING, ids=lambda p: str(p)[:40] if isinstance(p, dict) else ""
)
def test_redis_check_fails_with_what_was_expected_and_seen(attempt, params, message, hint):
    result = run(attempt, params)
    assert not result.passed
    assert message in result.message
    assert hint in result.hint
    assert result.hint
    assert result.artifacts["commands"][0] == {"line": 1, "command": "SET greeting hello", "reply": "OK"}


def test_several_problems_are_all_listed(attempt):
    result = run(attempt, {"keys": [{"key": "a1", "type": "hash"}, {"key": "a2", "type": "set"}]})
    assert "(and 1 more problem, listed below)" in result.message
    assert len(result.artifacts["problems"]) == 2


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"colour": "blue"}, "unknown parameter(s) colour"),
        ({"keys": "lb"}, "must be a table or a list of tables"),
        ({"keys": {"key": "lb", "type": "tree"}}, "type 'tree' is not one of"),
        ({"datasets": ["prod"]}, "datasets: must be a list drawn from"),
        ({"max_memory_bytes": -1}, "positive whole number"),
        ({"same_as_solution": {}}, "give 'keys' and/or 'patterns'"),
    ],
)
def test_author_mistakes_in_check_parameters_name_the_check(attempt, params, problem):
    with pytest.raises(CheckParamError, match="lab.toml checks\\[0\\]") as caught:
        run(attempt, params)
    assert problem in str(caught.value)


def test_sharding_checks_refuse_a_standalone_lab(attempt):
    with pytest.raises(CheckParamError, match='topology = "cluster"'):
        run(attempt, {"no_crossslot": True}, redis_sharding)


def test_an_author_mistake_is_a_platform_error_not_a_learner_failure(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", '[[checks]]\ntype = "redis"\ncolour = "blue"\n'))
    result = grade(spec, "SET a 1")
    assert result.status == PLATFORM_ERROR
    assert not result.gradable
    assert "unknown parameter(s) colour" in result.message


CLUSTER_ANSWER = "\n".join(
    [f"MSET {{user:{n}}}:cart {n} {{user:{n}}}:profile p{n}" for n in range(1, 13)]
    + ["MSET {all}:1 a {all}:2 b {all}:3 c", "MSET x:1 1 y:1 2", "SET solo:a 1", "SET solo:b 2"]
)


@pytest.fixture(scope="module")
def cluster_attempt(tmp_path_factory):
    root = write_lab(
        tmp_path_factory.mktemp("labs") / "cluster",
        '[[checks]]\ntype = "sharding"\nno_crossslot = true\n',
        "SET catalog 1\n",
        "PING\n",
        topology="cluster",
    )
    with ExitStack() as stack:
        yield stack.enter_context(ENGINE.open_attempt(load_spec(root), CLUSTER_ANSWER, time.monotonic() + 120))


SHARDING_CASES = [
    ({"same_slot": [["{user:1}:cart", "{user:1}:profile"], {"match": "{user:7}:*"}]}, True, "share hash slot"),
    ({"same_slot": [["solo:a", "solo:b"]]}, False, "to share one hash slot, but they are spread over 2"),
    ({"same_slot": [["{user:1}:cart", "{user:99}:cart"]]}, False, "`{user:99}:cart` does not exist"),
    ({"same_slot": [{"match": "solo:*"}]}, False, "spread over 2"),
    ({"single_shard_lookup": [{"command": "MGET {user:5}:cart {user:5}:profile"}]}, True, "is answered by one shard"),
    ({"single_shard_lookup": {"command": "MGET solo:a solo:b"}}, False, "so the cluster answers CROSSSLOT"),
    ({"single_shard_lookup": {"command": "MGET {user:50}:cart {user:50}:profile"}}, False, "does not find the data"),
    ({"single_shard_lookup": {"match": "{user:3}*", "min_keys": 2}}, True, "live on one shard"),
    ({"single_shard_lookup": {"match": "*:cart"}}, False, "touches 3 shards"),
    ({"distribution": {"pattern": "*:cart", "max_skew": 2.5, "min_keys": 12}}, True, "spread over the shards"),
    ({"distribution": {"pattern": "{all}:*"}}, False, "one shard holds none of them"),
    ({"distribution": {"pattern": "*:cart", "min_keys": 13}}, False, "at least 13 key(s)"),
    ({"no_crossslot": True}, False, "1 of your commands failed with CROSSSLOT (line 14)"),
]


@pytest.mark.parametrize(("params", "passes", "message"), SHARDING_CASES, ids=lambda p: str(p)[:50])
def test_sharding_check_on_a_real_cluster(cluster_attempt, params, passes, message):
    result = run(cluster_attempt, params, redis_sharding)
    assert result.passed is passes, result.message
    assert message in result.message
    if not passes:
        assert result.hint


def test_a_shared_hash_tag_is_named_in_the_distribution_hint(cluster_attempt):
    result = run(cluster_attempt, {"distribution": {"pattern": "{all}:*"}}, redis_sharding)
    assert "All 3 keys hash to slot" in result.hint


def test_redis_checks_read_every_shard_of_a_cluster(cluster_attempt):
    result = run(cluster_attempt, {"keys": {"pattern": "*:profile", "min_count": 12, "type": "string"}})
    assert result.passed, result.message
    result = run(cluster_attempt, {"values": {"key": "{user:12}:cart", "equals": 12}})
    assert result.passed, result.message
