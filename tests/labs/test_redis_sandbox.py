"""The Redis sandbox against real redis-server processes: isolation between attempts, refused
and contained hostile input, memory and time limits, clusters, and teardown on every path."""

from __future__ import annotations

import os
import pwd
import re
import time
from pathlib import Path

import pytest

from labs.attempt import LearnerTimeout
from labs.result import PLATFORM_ERROR, REJECTED, TIMEOUT, UNAVAILABLE
from labs.runner import grade
from labs.sandbox import base
from labs.sandbox.redis import (
    ENGINE,
    WARM_CLUSTERS,
    CommandRouter,
    RedisOptions,
    RedisReplyError,
    RespConnection,
    deploy,
    parse_answer,
    parse_commands,
    redis_version,
    run_commands,
    start_deployment,
)
from labs.spec import load_spec

pytestmark = pytest.mark.skipif(redis_version() is None, reason="redis-server is not installed")


def own_redis_children() -> list[int]:
    """redis-server processes whose parent is this test process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            exe = os.readlink(entry / "exe")
        except OSError:
            continue
        match = re.search(r"^PPid:\s+(\d+)", status, re.M)
        if match and int(match.group(1)) == os.getpid() and "redis-server" in exe:
            found.append(int(entry.name))
    return found


def own_sandbox_dirs() -> list[Path]:
    root = base.SANDBOX_ROOT
    return sorted(root.glob(f"redis*-{os.getpid()}-*")) if root.exists() else []


@pytest.fixture(autouse=True, scope="module")
def nothing_left_behind():
    yield
    WARM_CLUSTERS.shutdown()
    assert own_redis_children() == []
    assert own_sandbox_dirs() == []


def write_lab(root: Path, checks: str, seed: str = "", solution: str = "PING\n", **fields) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    header = {"id": "t-redis", "title": "t", "engine": "redis", "topology": "standalone", "time_limit": 5}
    header.update(fields)
    lines = [f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in header.items() if k != "options"]
    options = fields.get("options")
    text = "\n".join(lines).replace("'", '"') + "\n"
    if options:
        text += "[engine_options]\n" + options + "\n"
    (root / "lab.toml").write_text(text + checks)
    (root / "seed.redis").write_text(seed)
    (root / "solution.redis").write_text(solution)
    return root


KEY_EXISTS = '[[checks]]\ntype = "redis"\nkeys = [{key = "a", type = "string"}]\n'


@pytest.fixture(scope="module")
def two_servers():
    first = start_deployment("standalone", RedisOptions())
    second = start_deployment("standalone", RedisOptions())
    yield first, second
    first.stop()
    second.stop()


def test_learner_server_runs_unprivileged_on_loopback_without_persistence(two_servers):
    deployment, _ = two_servers
    pid = deployment.nodes[0].process.pid
    if os.geteuid() == 0:
        owner = pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name
        assert owner == pwd.getpwuid(base.account_for(deployment.sandbox.path)[0]).pw_name != "root"
    settings = dict(zip(*[iter(deployment.config("GET", "*"))] * 2, strict=True))
    assert settings[b"bind"] == b"127.0.0.1"
    assert settings[b"save"] == b""
    assert settings[b"appendonly"] == b"no"
    assert settings[b"maxmemory"] == str(32 << 20).encode()
    assert settings[b"dir"].startswith(str(base.SANDBOX_ROOT).encode())


def test_every_attempt_has_its_own_passwords(two_servers):
    first, second = two_servers
    assert first.admin_password != second.admin_password
    assert first.learner_password != second.learner_password
    node = second.nodes[0]
    with pytest.raises(RedisReplyError, match="WRONGPASS"):
        RespConnection(node.port, first.learner_password, username="learner", unix_path=node.socket_path)
    with pytest.raises(RedisReplyError, match="WRONGPASS"):
        RespConnection(node.port, first.admin_password, unix_path=node.socket_path)


def test_flushall_in_one_learners_redis_leaves_another_learners_data_alone(two_servers):
    first, second = two_servers
    second.admin().call("SET", "precious", "1")
    transcript = run_commands(first, parse_answer("SET mine 1\nFLUSHALL", "standalone"), time.monotonic() + 5, 5)
    assert transcript.errors == []
    assert first.admin().call("DBSIZE") == 0
    assert second.admin().call("GET", "precious") == b"1"


def test_learner_cannot_reach_config_or_admin_commands_even_from_a_script(two_servers):
    deployment, _ = two_servers
    secret = deployment.secret_names["CONFIG"]
    answer = "\n".join(
        [
            "EVAL \"return redis.call('CONFIG', 'SET', 'dir', '/tmp')\" 0",
            f"EVAL \"return redis.call('{secret}', 'SET', 'maxmemory', '0')\" 0",
            f"{secret} SET maxmemory 0",
            "EVAL \"return redis.call('FLUSHALL')\" 0",
            "SLOWLOG GET",
            "CLIENT LIST",
            "SWAPDB 0 1",
        ]
    )
    # parse_commands, not parse_answer: this tests the server's own defences, as if the
    # learner had got past the answer filter
    transcript = run_commands(deployment, parse_commands(answer), time.monotonic() + 5, 5)
    errors = [step.error or "" for step in transcript.steps]
    assert "Unknown Redis command" in errors[0]
    assert errors[1]  # the secret name is refused (not allowed from scripts / no permission)
    assert errors[2].startswith("NOPERM")
    assert errors[3] == ""  # FLUSHALL on its own server is fine, from a script too
    assert all(e.startswith("NOPERM") for e in errors[4:])
    assert "disabled in lab sandboxes" in transcript.describe_errors(limit=7)
    assert deployment.config("GET", "maxmemory")[1] == str(32 << 20).encode()
    assert deployment.config("GET", "dir")[1] != b"/tmp"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("CONFIG SET dir /tmp", "CONFIG is disabled in lab sandboxes"),
        ("SET a 1\nDEBUG SEGFAULT", "DEBUG is disabled in lab sandboxes"),
        ("SHUTDOWN", "SHUTDOWN is disabled in lab sandboxes"),
    ],
)
def test_hostile_answers_are_rejected_before_anything_runs(tmp_path, answer, expected):
    spec = load_spec(write_lab(tmp_path / "lab", KEY_EXISTS))
    result = grade(spec, answer)
    assert result.status == REJECTED
    assert result.gradable
    assert result.score == 0
    assert expected in result.message
    assert "submit again" in result.message


def test_memory_limit_turns_writes_into_a_clear_oom_message(tmp_path):
    checks = '[[checks]]\ntype = "redis"\nkeys = [{key = "after", type = "string"}]\n'
    spec = load_spec(write_lab(tmp_path / "lab", checks, options='maxmemory = "2mb"'))
    answer = "SETRANGE huge 50000000 x\nSETRANGE a 1500000 x\nSETRANGE b 1500000 x\nSET after 1"
    result = grade(spec, answer)
    assert result.status == "graded"
    assert result.score == 0
    check = result.checks[0]
    assert "does not exist" in check.message
    # Redis's error replies travel once, beside the checks, not in every hint
    errors = check.artifacts["command_errors"]
    assert "line 4 (`SET after 1`): OOM command not allowed" in errors
    assert "memory limit is full" in errors
    assert "line 1 (`SETRANGE huge 50000000 x`): ERR string exceeds maximum allowed size" in errors


def test_endless_script_ends_as_a_timeout_within_the_limit_plus_one_second(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", KEY_EXISTS, time_limit=2))
    started = time.monotonic()
    result = grade(spec, 'SET a 1\nEVAL "while true do end" 0\nSET b 2')
    elapsed = time.monotonic() - started
    assert result.status == TIMEOUT
    assert result.gradable
    assert elapsed < spec.time_limit + 1
    assert "limit of 2 s: line 2" in result.message
    assert "endless loop" in result.message


def test_blocking_command_with_nothing_to_wait_for_times_out(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", KEY_EXISTS, time_limit=1))
    started = time.monotonic()
    result = grade(spec, "BLPOP queue 0")
    assert result.status == TIMEOUT
    assert time.monotonic() - started < 2
    assert "BLPOP" in result.message


def test_servers_are_torn_down_when_a_check_raises(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", KEY_EXISTS))
    with (
        pytest.raises(RuntimeError, match="boom"),
        ENGINE.open_attempt(spec, "SET a 1", time.monotonic() + 5) as attempt,
    ):
        pids = attempt.primary.deployment.pids()
        directory = attempt.primary.deployment.sandbox.path
        assert all(base.pid_alive(pid) for pid in pids)
        raise RuntimeError("boom")
    assert not any(base.pid_alive(pid) for pid in pids)
    assert not directory.exists()


def test_servers_are_torn_down_after_a_learner_timeout(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", KEY_EXISTS))
    processes, dirs = own_redis_children(), own_sandbox_dirs()
    with pytest.raises(LearnerTimeout), ENGINE.open_attempt(spec, "BLPOP q 0", time.monotonic() + 0.3):
        pass
    assert own_redis_children() == processes
    assert own_sandbox_dirs() == dirs


def test_a_broken_seed_is_the_platforms_fault_and_names_the_line(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab", KEY_EXISTS, seed="SET a 1\nINCR a b c\n"))
    result = grade(spec, "SET a 1")
    assert result.status == PLATFORM_ERROR
    assert not result.gradable
    assert "seed.redis: line 2 (`INCR a b c`)" in result.message


def test_a_lab_needing_a_redis_module_is_unavailable_not_failed(tmp_path):
    spec = load_spec(write_lab(tmp_path / "lab2", KEY_EXISTS, requires=["json"]))
    result = grade(spec, "SET a 1")
    assert result.status == UNAVAILABLE
    assert not result.gradable
    assert "json" in result.message


def test_cluster_forms_with_every_slot_and_routes_commands_by_slot():
    options = RedisOptions(shards=3)
    with deploy("cluster", options) as cluster:
        assert len(cluster.nodes) == 3
        covered = sum(node.slots[1] - node.slots[0] + 1 for node in cluster.nodes)
        assert covered == 16384
        for node in cluster.nodes:
            assert b"cluster_state:ok" in cluster.admin(node.index).call("CLUSTER", "INFO")
            assert b"cluster_known_nodes:3" in cluster.admin(node.index).call("CLUSTER", "INFO")
        answer = "\n".join(
            [f"SET key:{n} {n}" for n in range(20)]
            + ["MSET {u:1}:a 1 {u:1}:b 2", "MSET u:1:a 1 u:2:b 2", "MULTI", "INCR {u:2}:x", "INCR {u:2}:y", "EXEC"]
            + ["CLUSTER KEYSLOT foo"]
        )
        transcript = run_commands(cluster, parse_answer(answer, "cluster"), time.monotonic() + 5, 5)
        assert [step.line for step in transcript.errors] == [22]
        assert transcript.errors[0].error.startswith("CROSSSLOT")
        assert transcript.steps[-2].reply == [1, 1]  # EXEC ran on the shard of {u:2}
        assert transcript.steps[-1].reply == 12182
        shards_used = set()
        for n in range(20):
            owner = cluster.node_for_key(f"key:{n}")
            shards_used.add(owner)
            assert cluster.admin(owner).call("GET", f"key:{n}") == str(n).encode()
        assert shards_used == {0, 1, 2}
        learner = cluster.connect_learner(0)
        try:
            with pytest.raises(RedisReplyError, match="NOPERM"):
                learner.call("CLUSTER", "FORGET", "abc")
        finally:
            learner.close()
        assert CommandRouter(cluster, learner=True).call("GET", "{u:1}:b") == b"2"


def test_a_warm_spare_cluster_is_fresh_and_handed_out_once():
    WARM_CLUSTERS.refill(3)
    assert WARM_CLUSTERS.wait_ready(3)
    spare = WARM_CLUSTERS.take(3)
    try:
        assert spare is not None
        assert spare.admin(0).call("DBSIZE") == 0
        assert WARM_CLUSTERS.take(3) is None  # never shared between attempts
    finally:
        spare.stop()
    WARM_CLUSTERS.refill(3)
    assert WARM_CLUSTERS.wait_ready(3)
    with deploy("cluster", RedisOptions(shards=3, maxmemory=8 << 20)) as cluster:
        # the lab's own memory settings are applied to the spare it receives
        assert cluster.config("GET", "maxmemory", node=2)[1] == str(8 << 20).encode()
        assert cluster.admin_password != spare.admin_password
    WARM_CLUSTERS.shutdown()


def test_lab_memory_options_are_validated_and_applied(tmp_path):
    bad = load_spec(write_lab(tmp_path / "bad", KEY_EXISTS, options='maxmemory_policy = "evict-everything"'))
    result = grade(bad, "SET a 1")
    assert result.status == PLATFORM_ERROR
    assert "engine_options.maxmemory_policy: 'evict-everything' is not one of" in result.message
    spec = load_spec(
        write_lab(tmp_path / "lru", KEY_EXISTS, options='maxmemory = "2mb"\nmaxmemory_policy = "allkeys-lru"')
    )
    with ENGINE.open_attempt(spec, "SET a 1", time.monotonic() + 10) as attempt:
        deployment = attempt.primary.deployment
        assert deployment.config("GET", "maxmemory-policy")[1] == b"allkeys-lru"
        answer = "\n".join(f"SETRANGE big:{n} 500000 x" for n in range(8))
        transcript = run_commands(deployment, parse_answer(answer, "standalone"), time.monotonic() + 5, 5)
        assert transcript.errors == []  # evicts old keys instead of refusing writes
        assert deployment.admin().call("DBSIZE") < 9
