"""Limits and hostile input: endless queries, hung servers, huge results, escape attempts."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import types

import pytest

from labs.checks import CHECK_MODULES
from labs.result import PLATFORM_ERROR, REJECTED, TIMEOUT
from labs.runner import grade
from labs.sandbox import postgres
from labs.sandbox.postgres import ENGINE

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")

FAST_LAB = """
id = "t-limits"
title = "t"
engine = "postgres"
topology = "{topology}"
time_limit = {limit}

[engine_options]
row_cap = 500

[[checks]]
type = "result"
"""
SETUP = (
    "CREATE TABLE items (id int PRIMARY KEY, name text);"
    "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;"
)


@pytest.fixture
def limited_lab(make_lab):
    def make(topology: str = "readonly", limit: float = 2):
        spec = make_lab(FAST_LAB.format(topology=topology, limit=limit), setup=SETUP, solution="SELECT id FROM items")
        grade(spec, "SELECT id FROM items")  # warm: instance, template database, reference rows
        return spec

    return make


@pytest.mark.parametrize(
    "answer",
    [
        "SELECT pg_sleep(60)",
        "SET statement_timeout = 0; SELECT pg_sleep(60)",
        "SELECT count(*) FROM items a, items b, items c, items d, items e, items f, items g",
    ],
    ids=["sleep", "statement-timeout-disabled", "cross-join"],
)
def test_an_endless_query_is_a_timeout_verdict_within_the_limit_plus_one_second(limited_lab, answer):
    spec = limited_lab("readonly", 2)
    started = time.monotonic()
    result = grade(spec, answer)
    elapsed = time.monotonic() - started
    assert result.status == TIMEOUT and result.gradable and result.score == 0.0
    assert "time limit of 2 s" in result.message
    assert elapsed < spec.time_limit + 1.0


def test_an_endless_plpgsql_loop_in_a_writable_lab_times_out_too(limited_lab):
    spec = limited_lab("database", 2)
    started = time.monotonic()
    result = grade(spec, "DO $$ BEGIN LOOP END LOOP; END $$; SELECT id FROM items")
    assert result.status == TIMEOUT
    assert time.monotonic() - started < spec.time_limit + 1.0


def test_a_backend_that_ignores_the_cancel_gets_its_server_killed(limited_lab, monkeypatch):
    """SIGSTOP the learner's backend: neither statement_timeout nor the cancel request can
    stop it, so the watchdog kills the whole instance and the verdict is still TIMEOUT."""
    spec = limited_lab("readonly", 1.5)
    seen = {}

    def freeze_then_query(attempt, check_spec):
        conn = attempt.learner()
        backend = conn.info.backend_pid
        seen["instance"] = attempt.instance
        threading.Timer(0.2, os.kill, (backend, signal.SIGSTOP)).start()
        attempt.fetch("SELECT pg_sleep(30)")

    _install_check(monkeypatch, "result", freeze_then_query)
    started = time.monotonic()
    result = grade(spec, "SELECT 1")
    assert result.status == TIMEOUT
    assert time.monotonic() - started < spec.time_limit + 1.0
    instance = seen["instance"]
    assert not instance.alive()
    assert not instance.sandbox.path.exists()  # discarded, not returned to the pool


def test_the_runner_returns_within_the_limit_plus_one_second_even_if_a_check_hangs(limited_lab, monkeypatch):
    spec = limited_lab("readonly", 1)
    release = threading.Event()
    seen = {}

    def hang(attempt, check_spec):
        seen["instance"] = attempt.instance
        seen["deadline"] = attempt.deadline  # the learner's clock: platform set-up time excluded
        release.wait(30)  # stuck in our own code, not in SQL: only the runner's watchdog can help
        raise RuntimeError("released")

    _install_check(monkeypatch, "result", hang)
    result = grade(spec, "SELECT 1")
    returned = time.monotonic()
    release.set()
    assert result.status == PLATFORM_ERROR and not result.gradable
    assert "does not count" in result.message
    assert returned < seen["deadline"] + 1.0
    deadline = time.monotonic() + 5
    while seen["instance"].sandbox.path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # the grading thread finishes its teardown in the background
    assert not seen["instance"].alive()
    assert not seen["instance"].sandbox.path.exists()


def _install_check(monkeypatch, check_type: str, fn) -> None:
    module = types.ModuleType(f"indexed_test_check_{fn.__name__}")
    module.check = fn
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(CHECK_MODULES, (check_type, "postgres"), module.__name__)


def test_a_huge_result_is_truncated_to_a_preview(limited_lab):
    spec = limited_lab("readonly", 5)
    result = grade(spec, "SELECT generate_series(1, 100000000) AS id")
    check = result.checks[0]
    assert result.status == "graded" and not check.passed
    assert "more than 500 rows" in check.message
    preview = check.artifacts["preview"]
    assert preview["truncated"] is True and preview["row_count_is_lower_bound"] is True
    assert len(preview["rows"]) == 50 and preview["rows"][0] == [1]
    assert result.duration_ms < 3000


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("COPY (SELECT 1) TO PROGRAM 'id'", "COPY … PROGRAM"),
        ("SELECT pg_read_file('/etc/passwd')", "server file functions"),
        ("ALTER SYSTEM SET fsync = on", "ALTER SYSTEM"),
        ("CREATE EXTENSION dblink", "extensions"),
        ("SET ROLE sandbox_admin", "SET ROLE"),
        ("SET SESSION AUTHORIZATION sandbox_admin", "SESSION AUTHORIZATION"),
        ("SELECT lo_import('/etc/passwd')", "lo_import"),
        ("SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(x int)", "dblink"),
        # hidden from the text scan: Postgres' own privileges refuse it, and we say so plainly
        ("DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROG' || 'RAM ''id'''; END $$; SELECT 1", "does not allow"),
        ("DO $$ BEGIN EXECUTE 'SELECT pg_read_' || 'file(''/etc/passwd'')'; END $$; SELECT 1", "does not allow"),
        ("DO $$ BEGIN EXECUTE 'CREATE EXT' || 'ENSION dblink'; END $$; SELECT 1", "does not allow"),
    ],
)
def test_hostile_input_is_refused_with_a_clear_message(limited_lab, answer, phrase):
    spec = limited_lab("database", 5)
    result = grade(spec, answer)
    assert result.status == REJECTED and result.score == 0.0 and result.gradable
    assert phrase in result.message
    assert "Labs only need SQL on the lab's own tables" in result.message


def test_reading_the_catalog_of_passwords_is_an_ordinary_permission_error(limited_lab):
    check = grade(limited_lab("database", 5), "SELECT rolpassword FROM pg_authid").checks[0]
    assert "permission denied for table pg_authid" in check.message
    assert check.hint


def test_role_settings_a_learner_sneaks_in_do_not_outlive_the_attempt(limited_lab):
    """Any role may ALTER ROLE itself [IN DATABASE …] SET …, even for the database a later
    readonly attempt reads in place; teardown puts the learner's settings back."""
    readonly = limited_lab("readonly", 5)
    with ENGINE.open_attempt(readonly, "SELECT 1", time.monotonic() + 5) as attempt:
        readonly_db = attempt.database()
    spec = limited_lab("database", 5)
    sneaky = (
        "DO $$ BEGIN EXECUTE 'ALTER ' || 'ROLE learner SET work_mem = ''64MB''';"
        f" EXECUTE 'ALTER ' || 'ROLE learner IN DATABASE {readonly_db} SET default_transaction_read_only = off';"
        f" EXECUTE 'ALTER ' || 'ROLE learner IN DATABASE {readonly_db} SET statement_timeout = 0'; END $$;"
        " SELECT id FROM items"
    )
    assert grade(spec, sneaky).score == 1.0  # the ALTER ROLEs ran
    after = grade(spec, "SELECT 1 AS id WHERE current_setting('work_mem') = '4MB'")
    assert after.checks[0].artifacts["preview"]["rows"] == [[1]]
    still_readonly = "SELECT 1 AS id WHERE current_setting('default_transaction_read_only') = 'on'"
    assert grade(readonly, still_readonly).checks[0].artifacts["preview"]["rows"] == [[1]]
