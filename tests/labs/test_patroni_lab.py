"""The Patroni failover lab: the answer's validation (fast), and the real cluster (slow): three
Patroni members, etcd and HAProxy start in one box, the drill kills the leader, and teardown
leaves no process, network namespace, cgroup or file behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.engines.patroni import ENGINE
from labs.engines.patroni.cluster import Member, PatroniCluster, haproxy_config, member_pids, postmaster_pid
from labs.engines.patroni.config import parse_answer
from labs.engines.patroni.engine import LIMITS
from labs.runner import grade
from labs.sandbox import base
from labs.sandbox.box import Limits
from labs.spec import load_spec

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "patroni-failover-drill"
FAST = "ttl: 10\nloop_wait: 2\nretry_timeout: 4\nsynchronous_mode: true\n"


# -- the answer, before any server starts


def test_both_spellings_of_the_dcs_settings_give_the_same_config():
    nested = parse_answer("bootstrap:\n  dcs:\n    ttl: 10\n    loop_wait: 2\n    retry_timeout: 4\n")
    flat = parse_answer("ttl: 10\nloop_wait: 2\nretry_timeout: 4\n")
    assert nested.dcs == flat.dcs == {"ttl": 10, "loop_wait": 2, "retry_timeout": 4}


def test_left_out_settings_are_patroni_and_haproxy_defaults():
    config = parse_answer("synchronous_mode: true\n")
    assert (config.setting("ttl"), config.setting("loop_wait"), config.check_path) == (30, 10, "/primary")


@pytest.mark.parametrize(
    "answer, words",
    [
        ("postgresql:\n  callbacks:\n    on_role_change: /bin/sh\n", "run a program"),
        ("bootstrap:\n  dcs:\n    postgresql:\n      parameters:\n        archive_command: 'cp %p /x'\n",
         "run a program"),
        ("ttl: 10\nrestapi:\n  listen: 0.0.0.0:8008\n", "set by the platform"),
        ("ttl: 10\netcd3:\n  hosts: 10.0.0.1:2379\n", "set by the platform"),
        ("bootstrap:\n  method: custom\n", "run a program"),
        ("ttl: 10\nhaproxy:\n  check: /primary\n  external-check: /bin/true\n", "run a program"),
        ("a: &x [1, 2]\nb: *x\n", "alias"),
        ("ttl: [10\n", "not valid YAML"),
        ("ttl: ten\n", "whole number"),
        ("ttl: 2\n", "between 5 and 3600"),
        ("ttl: 10\nbootstrap:\n  dcs:\n    loop_wait: 2\n", "not both"),
        ("ttl: 10\nshared_buffers: 1GB\n", "not a setting this lab lets you change"),
        ("synchronous_mode: yes please\n", "true or false"),
        ("haproxy:\n  check: /primary; rm -rf /\n", "REST endpoints"),
        ("haproxy:\n  inter: 10ms\n", "between 100ms and 60s"),
        ("- ttl: 10\n", "mapping"),
        ("# only a comment\n", "no settings"),
    ],
)
def test_an_answer_that_escapes_the_drill_or_is_malformed_is_refused_with_the_key(answer: str, words: str):
    with pytest.raises(AnswerRejected, match=words):
        parse_answer(answer)


def test_haproxy_times_follow_haproxy_units_and_render_into_the_check():
    config = parse_answer("haproxy:\n  check: GET /leader\n  inter: 500\n  downinter: 1.5s\n  fall: 2\n  rise: 1\n"
                          "  on_marked_down: shutdown-sessions\n")
    members = [Member(f"m{i}", Path("/nonexistent"), 5000 + i, 8000 + i) for i in (1, 2, 3)]
    text = haproxy_config(config, 6000, members)
    assert "option httpchk GET /leader" in text
    assert "default-server inter 500ms fall 2 rise 1 downinter 1500ms on-marked-down shutdown-sessions" in text
    assert "server m2 127.0.0.1:5002 maxconn 30 check port 8002" in text


def test_a_refused_answer_is_a_rejected_verdict_and_starts_nothing():
    if ENGINE.missing_capabilities(load_spec(LAB)):
        pytest.skip(str(ENGINE.missing_capabilities(load_spec(LAB))))
    result = grade(load_spec(LAB), (LAB / "wrong" / "role_change_callback.yaml").read_text())
    assert (result.status, result.gradable, result.score) == ("rejected", True, 0.0)
    assert "callbacks" in result.message and "run a program" in result.message
    assert not _own_patroni_sandboxes()


# -- the real cluster


def _skip_unless_runnable() -> None:
    missing = ENGINE.missing_capabilities(load_spec(LAB))
    if missing:
        pytest.skip("; ".join(f"{k}: {v}" for k, v in missing.items()))


def _netns() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


@pytest.mark.slow
def test_a_cluster_starts_with_a_leader_a_sync_standby_and_haproxy_then_teardown_leaves_nothing():
    _skip_unless_runnable()
    sandbox = base.make_sandbox_dir("patroni", limits=Limits.from_env(**LIMITS))
    cluster = PatroniCluster(sandbox, parse_answer(FAST))
    try:
        cluster.start(60)
        roles = {name: m["role"] for name, m in cluster.roles().items()}
        assert sorted(roles.values()) == ["leader", "replica", "sync_standby"], roles
        assert cluster.writes_through_haproxy()
        pids = [pid for m in cluster.members for pid in member_pids(m)]
        pids += [cluster.etcd.pid, cluster.haproxy.pid]
        assert all(postmaster_pid(m) for m in cluster.members)
        name, cgroups = sandbox.box.name, list(sandbox.box.cgroups.values())
        assert name in _netns()
    finally:
        cluster.close()
        base.remove_sandbox_dir(sandbox)
    assert not [pid for pid in pids if base.pid_alive(pid) and not _zombie(pid)]
    assert not sandbox.path.exists()
    assert name not in _netns()
    assert not any(path.exists() for path in cgroups)


@pytest.mark.slow
def test_the_reference_answer_survives_the_drill_and_an_asynchronous_one_loses_acknowledged_writes():
    _skip_unless_runnable()
    spec = load_spec(LAB)
    solution = grade(spec, spec.solution_path.read_text())
    assert solution.score == 1.0, [(c.name, c.message) for c in solution.checks if not c.passed] or solution.message
    recovery = next(c for c in solution.checks if "recovery_seconds" in c.artifacts)
    assert 0 < recovery.artifacts["recovery_seconds"] <= 20

    lossy = grade(spec, (LAB / "wrong" / "async_fast.yaml").read_text())
    lost = next(c for c in lossy.checks if "lost" in c.artifacts or "acknowledged" in c.message)
    assert lossy.score < 1.0 and not lost.passed, lost.message
    if "lost" in lost.artifacts:
        assert lost.artifacts["lost"] > 0, lost.message
        assert "synchronous_mode" in lost.hint
    else:  # on a loaded machine no replica may have taken over in time: still a failed drill, said so
        assert "no member became the new leader" in lost.message, lost.message
    assert not _own_patroni_sandboxes()


def _own_patroni_sandboxes() -> list[str]:
    # the sandbox root is shared with other test processes: only ours, only Patroni's
    return [row["path"] for row in base.list_sandboxes()
            if row.get("kind") == "patroni" and row.get("owner_pid") == os.getpid()]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True

