"""Redis persistence labs against real redis-server processes: the learner's CONFIG SET of the
settings a lab allows, the server killed (or stopped) and started again on its data directory,
and the ``persistence`` check's verdict on what survived."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.engines.redis.restart import restart_node, wait_for_background_saves
from labs.runner import grade
from labs.sandbox.redis import RedisOptions, parse_answer, redis_version, run_commands, start_deployment
from labs.spec import load_spec

pytestmark = pytest.mark.skipif(redis_version() is None, reason="redis-server is not installed")

EXERCISE = Path(__file__).resolve().parents[2] / "curriculum" / "exercises" / "nosql" / "redis-persistence-aof"
ALLOWED = frozenset({"appendonly", "appendfsync", "save", "maxmemory-policy"})


def run_answer(answer: str):
    """A fresh standalone server with ``answer`` run on it as the learner."""
    options = RedisOptions(learner_config=ALLOWED)
    deployment = start_deployment("standalone", options)
    transcript = run_commands(deployment, parse_answer(answer, "standalone", ALLOWED), time.monotonic() + 5, 5)
    return deployment, transcript


@pytest.mark.parametrize(
    ("answer", "how", "survives"),
    [
        ("CONFIG SET appendonly yes\nSET order:1 paid\nRPUSH jobs a b", "kill", True),
        ("SET order:1 paid\nRPUSH jobs a b\nCONFIG SET appendonly yes", "kill", True),  # the rewrite logs old data
        ("SET order:1 paid\nRPUSH jobs a b", "kill", False),  # no persistence at all
        ('CONFIG SET save "3600 1"\nSET order:1 paid\nRPUSH jobs a b', "kill", False),  # no snapshot taken yet
        ('CONFIG SET save "3600 1"\nSET order:1 paid\nRPUSH jobs a b', "term", True),  # a clean stop saves
    ],
)
def test_a_restart_keeps_exactly_what_the_settings_persisted(answer, how, survives):
    deployment, transcript = run_answer(answer)
    try:
        assert not transcript.errors, transcript.describe_errors()
        old_pid = deployment.nodes[0].process.pid
        assert wait_for_background_saves(deployment)
        settings = restart_node(deployment, 0, how)
        assert deployment.nodes[0].process.pid != old_pid
        admin = deployment.admin()
        assert admin.call("PING") == "PONG"
        kept = (admin.call("GET", "order:1"), admin.call("LRANGE", "jobs", 0, -1))
        assert kept == ((b"paid", [b"a", b"b"]) if survives else (None, []))
        # the restarted server runs with the learner's settings, not the sandbox defaults
        assert settings["appendonly"] == ("yes" if "appendonly yes" in answer else "no")
        assert deployment.config("GET", "save")[1].decode() == settings["save"]
    finally:
        deployment.stop()
    assert deployment.nodes[0].process.poll() is not None


def test_config_is_limited_to_the_settings_the_lab_allows():
    assert [
        c.name
        for c in parse_answer("CONFIG SET appendonly yes appendfsync always\nCONFIG GET save", "standalone", ALLOWED)
    ] == [
        "CONFIG",
        "CONFIG",
    ]
    refused = {
        "CONFIG SET dir /tmp": "CONFIG SET dir is not allowed",
        "CONFIG GET *": "CONFIG GET * is not allowed",
        "CONFIG REWRITE": "CONFIG REWRITE is disabled",
        "CONFIG SET appendonly": "pairs of a setting and its value",
        "CONFIG SET appendonly yes dbfilename x.rdb": "CONFIG SET dbfilename is not allowed",
    }
    for answer, message in refused.items():
        with pytest.raises(AnswerRejected, match=re.escape(message)):
            parse_answer(answer, "standalone", ALLOWED)
    with pytest.raises(AnswerRejected, match="grades what your settings persist by themselves"):
        parse_answer("CONFIG SET appendonly yes\nBGSAVE", "standalone", ALLOWED)
    with pytest.raises(AnswerRejected, match="CONFIG is disabled in lab sandboxes"):
        parse_answer("CONFIG SET appendonly yes", "standalone")


def test_a_bad_value_is_the_learners_error_and_never_shows_the_secret_name():
    deployment, transcript = run_answer("CONFIG SET appendfsync sometimes\nCONFIG GET appendfsync")
    try:
        secret = deployment.secret_names["CONFIG"]
        assert "everysec, always, no" in (transcript.steps[0].error or "")
        assert secret not in repr(transcript.preview())
        assert transcript.steps[1].reply == [b"appendfsync", b"everysec"]
    finally:
        deployment.stop()


def test_the_exercise_accepts_aof_and_shows_what_an_rdb_only_answer_lost():
    spec = load_spec(EXERCISE)
    right = grade(spec, spec.solution_path.read_text())
    assert right.score == 1.0, [(c.name, c.message) for c in right.checks]
    survived = next(c for c in right.checks if "survives a crash" in c.name)
    assert "came back after the server was killed" in survived.message

    wrong = grade(spec, (EXERCISE / "wrong" / "rdb_only.redis").read_text())
    assert wrong.score < 1.0
    crash = next(c for c in wrong.checks if "survives a crash" in c.name)
    assert not crash.passed
    assert "appendonly no" in crash.message and "`queue:invoices`" in crash.message
    assert "RDB alone keeps only the last snapshot" in crash.hint
