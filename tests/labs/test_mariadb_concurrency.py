"""The MariaDB concurrency check: answer splitting (pure), and through the real runtime the
gap-lock lab's solution, a missing index, a snapshot count and NOWAIT, each with the verdict
and the message a learner reads, leaving no server or sandbox behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from labs.checks.mariadb_concurrency import _BadAnswer, build_steps, open_part, split_answer
from labs.engines.mariadb import server as mariadb
from labs.engines.mariadb.sql import split_statements
from labs.result import GRADED
from labs.runner import grade
from labs.sandbox import base
from labs.spec import load_spec

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "innodb-gap-locks-booking"
needs_mariadb = pytest.mark.skipif(not shutil.which("mariadbd", path="/usr/sbin:/usr/bin"), reason="no mariadbd")


def test_leading_ddl_runs_once_and_the_rest_is_the_transaction():
    prepare, body = split_answer(split_statements(
        "CREATE INDEX i ON t (a, b); ANALYZE TABLE t; START TRANSACTION; SELECT 1; COMMIT;"
    ))  # fmt: skip
    assert [s.first_word for s in prepare] == ["CREATE", "ANALYZE"]
    assert [s.first_word for s in body] == ["START", "SELECT", "COMMIT"]
    with pytest.raises(_BadAnswer, match="no transaction"):
        split_answer(split_statements("CREATE INDEX i ON t (a);"))


def test_the_open_part_stops_before_commit_and_wraps_autocommit_bodies():
    body = split_statements("START TRANSACTION; SELECT 1 FOR UPDATE; INSERT INTO t VALUES (1); COMMIT;")
    assert [s.first_word for s in open_part(body)] == ["START", "SELECT", "INSERT"]
    bare = split_statements("INSERT INTO t SELECT 1 FROM DUAL;")
    assert [s.text for s in open_part(bare)] == ["START TRANSACTION", "INSERT INTO t SELECT 1 FROM DUAL"]


def test_lockstep_interleaves_statements_and_scripts_mark_probes():
    body = split_statements("BEGIN; SELECT 1; COMMIT;")
    steps = build_steps({"sessions": ["A", "B"]}, body)
    assert [(s.session, s.statement.first_word) for s in steps] == [
        ("A", "BEGIN"), ("B", "BEGIN"), ("A", "SELECT"), ("B", "SELECT"), ("A", "COMMIT"), ("B", "COMMIT"),
    ]  # fmt: skip
    script = [
        {"session": "A", "sql": "{{answer_open}}"},
        {"session": "P", "sql": "INSERT INTO t VALUES (2)", "expect": "waits", "label": "a probe"},
        {"session": "A", "sql": "COMMIT"},
    ]
    steps = build_steps({"script": script}, body)
    assert [(s.session, s.learner, s.expect) for s in steps] == [
        ("A", True, ""), ("A", True, ""), ("P", False, "waits"), ("A", False, ""),
    ]  # fmt: skip


# --------------------------------------------------------------------------- the real runtime


@pytest.fixture
def clean_servers():
    yield
    mariadb.shutdown()
    root = base.SANDBOX_ROOT
    assert not (root.exists() and list(root.glob(f"mariadb-{os.getpid()}-*")))


def _grade(answer: str):
    return grade(load_spec(LAB), answer)


def _check(result, part: str):
    return next(c for c in result.checks if part in c.name)


@needs_mariadb
@pytest.mark.slow
def test_the_solution_passes_and_the_second_booking_was_seen_waiting(clean_servers):
    result = _grade((LAB / "solution.sql").read_text())
    assert result.status == GRADED and result.score == 1.0, [c.message for c in result.checks]
    last_slot = _check(result, "last free slot")
    assert any(e.get("event") == "waits" and e["for"] == ["A"] for e in last_slot.artifacts["timeline"])
    assert "held again with other values" in last_slot.message
    assert "retried" in _check(result, "free day").message  # the empty-range deadlock, retried


@needs_mariadb
@pytest.mark.slow
def test_a_locking_read_through_the_foreign_key_index_names_that_index(clean_servers):
    result = _grade((LAB / "wrong" / "no_index_for_update.sql").read_text())
    assert result.status == GRADED and result.score < 1.0
    probe = _check(result, "holds only its own doctor and day")
    assert not probe.passed
    assert "next day" in probe.message and "`appointments_doctor` (doctor_id)" in probe.message
    assert "held by A" in probe.message


@needs_mariadb
@pytest.mark.slow
def test_a_snapshot_count_overbooks_and_the_story_shows_both_counts(clean_servers):
    result = _grade((LAB / "starter.sql").read_text())
    last_slot = _check(result, "last free slot")
    assert not last_slot.passed
    assert "expected [(5, 1, 211, 0)]" in last_slot.message and "@booked=4" in last_slot.message
    assert not _check(result, "holds only its own").passed  # the reception's insert went straight in


@needs_mariadb
@pytest.mark.slow
def test_nowait_is_reported_as_failing_at_once_not_as_a_timeout(clean_servers):
    result = _grade((LAB / "wrong" / "nowait.sql").read_text())
    last_slot = _check(result, "last free slot")
    assert not last_slot.passed and "failed at once instead of waiting" in last_slot.message
