"""The Postgres engine against real servers: instances, pool, privileges, teardown, reaper."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import sys as _sys
import time
import types
from pathlib import Path

import psycopg
import pytest

from labs.checks import CHECK_MODULES
from labs.result import PLATFORM_ERROR
from labs.runner import grade
from labs.sandbox import base, postgres
from labs.sandbox.base import SandboxError
from labs.sandbox.postgres import ENGINE, LEARNER_ROLE, POOL, start_instance

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")


def test_an_instance_runs_as_the_sandbox_user_on_loopback_with_a_private_socket():
    with start_instance() as instance:
        assert instance.execute("SELECT current_setting('listen_addresses')") == [("127.0.0.1",)]
        assert instance.execute("SELECT current_setting('fsync'), current_setting('full_page_writes')") == [
            ("off", "off")
        ]
        assert instance.socket_dir.stat().st_mode & 0o777 == 0o700
        if base.is_root():
            owner = Path(f"/proc/{instance.pid}").stat().st_uid
            assert owner == base.account_for(instance.sandbox.path)[0] != 0
        # TCP needs the admin password; the unix socket is trusted because only we can reach it.
        # TCP exists only inside the instance's box (its own network namespace), so try it there.
        box = instance.sandbox.box
        prefix = ["nsenter", f"--net={box.netns}", "--"] if box is not None else []

        def over_tcp(password: str) -> subprocess.CompletedProcess:
            conninfo = f"host=127.0.0.1 port={instance.port} user=sandbox_admin dbname=postgres password={password}"
            argv = [*prefix, str(postgres.PG_BIN / "psql"), conninfo, "-Atc", "SELECT 1"]
            return subprocess.run(argv, capture_output=True, text=True, timeout=10)

        assert over_tcp(instance.password).stdout.strip() == "1"
        refused = over_tcp("wrong")
        assert refused.returncode != 0 and "password authentication failed" in refused.stderr
        if box is not None:  # and from the host's own network it is not there at all
            with pytest.raises(psycopg.OperationalError):
                psycopg.connect(instance.tcp_conninfo(), connect_timeout=2)
        sandbox_path, pid = instance.sandbox.path, instance.pid
        assert json.loads((sandbox_path / base.OWNER_FILE).read_text())["pids"] == [pid]
    assert not sandbox_path.exists()
    assert not base.pid_alive(pid) or _is_zombie(pid)


def test_the_template_data_directory_is_built_once_and_reused():
    first = postgres.initdb_template()
    marker = (first.path / "READY").stat().st_mtime
    assert postgres.initdb_template().path == first.path
    assert (first.path / "READY").stat().st_mtime == marker
    assert (first.data_dir / "PG_VERSION").read_text().strip() == postgres.pg_version().split(".")[0]


def test_the_learner_role_has_no_dangerous_privileges():
    with start_instance() as instance:
        row = instance.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = %s",
            (LEARNER_ROLE,),
        )
        assert row == [(False, False, False, False, False)]
        members = instance.execute(
            "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "JOIN pg_roles b ON b.oid = m.roleid WHERE r.rolname = %s",
            (LEARNER_ROLE,),
        )
        assert members == []


def test_a_bad_server_setting_is_a_sandbox_error_naming_the_problem():
    with pytest.raises(SandboxError, match="shared_buffers"):
        start_instance({"shared_buffers": "lots"})
    assert not [row for row in base.list_sandboxes() if row["owner_pid"] == os.getpid() and not _pg_alive(row)]


def _pg_alive(row: dict) -> bool:
    return any(base.pid_alive(pid) and not _is_zombie(pid) for pid in row.get("pids", []))


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_pool_reuses_a_warm_instance_and_drops_attempt_databases(pg_lab):
    spec = pg_lab("pg-result")
    answer = spec.solution_path.read_text()
    assert grade(spec, answer).score == 1.0
    instance = POOL.acquire()
    POOL.release(instance, reusable=True)
    assert grade(spec, answer).score == 1.0
    again = POOL.acquire()
    try:
        assert again is instance
        names = [r[0] for r in again.execute("SELECT datname FROM pg_database")]
        assert not [n for n in names if n.startswith("att_")]
        assert [n for n in names if n.startswith("lab_")]
    finally:
        POOL.release(again, reusable=True)


def test_attempts_do_not_see_each_others_changes(make_lab):
    spec = make_lab(
        'id = "t-isolation"\ntitle = "t"\nengine = "postgres"\ntime_limit = 10\n[[checks]]\ntype = "result"\n'
        'query = "SELECT count(*) FROM items"\n',
        setup="CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2);",
        solution="SELECT 1",
    )
    # a learner deletes rows in their clone; the next attempt still starts from two rows
    assert grade(spec, "DELETE FROM items").score == 0.0
    assert grade(spec, "SELECT 1").score == 1.0


def test_a_readonly_lab_runs_in_a_transaction_that_is_rolled_back(make_lab):
    spec = make_lab(
        'id = "t-ro"\ntitle = "t"\nengine = "postgres"\ntopology = "readonly"\ntime_limit = 10\n'
        '[[checks]]\ntype = "result"\n',
        setup="CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2);",
        solution="SELECT count(*) FROM items",
    )
    result = grade(spec, "SET work_mem = '8MB'; SELECT count(*) FROM items")
    assert result.score == 1.0, result
    refused = grade(spec, "DELETE FROM items; SELECT count(*) FROM items")
    assert refused.score == 0.0
    assert "permission denied" in refused.checks[0].message or "read-only" in refused.checks[0].message
    with ENGINE.open_attempt(spec, "SELECT 1", time.monotonic() + 10) as attempt:
        assert attempt.fetch("SELECT count(*) FROM items").rows == [(2,)]


def test_ddl_labs_give_the_learner_the_tables_but_never_superuser(make_lab):
    toml = (
        'id = "t-owner"\ntitle = "t"\nengine = "postgres"\ntime_limit = 10\n'
        "[engine_options]\nlearner_owns_schema = true\n"
        '[[checks]]\ntype = "schema"\nindexes = [{ table = "items", columns = ["id"] }]\n'
    )
    spec = make_lab(toml, setup="CREATE TABLE items (id int, name text);", solution="CREATE INDEX ON items (id);")
    assert grade(spec, "CREATE INDEX ON items (id);").score == 1.0
    with ENGINE.open_attempt(spec, "SELECT 1", time.monotonic() + 10) as attempt:
        rows = attempt.fetch(
            "SELECT tableowner, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_tables WHERE tablename = 'items'"
        ).rows
        assert rows == [(LEARNER_ROLE, False)]


def test_a_crashed_server_is_a_platform_error_not_the_learners_fault(make_lab, monkeypatch):
    spec = make_lab(
        'id = "t-crash"\ntitle = "t"\nengine = "postgres"\ntime_limit = 10\n[[checks]]\ntype = "result"\n',
        solution="SELECT 1",
    )

    def crash(attempt, check_spec):
        os.kill(attempt.instance.pid, signal.SIGKILL)
        attempt.instance.process.wait()
        return attempt.fetch("SELECT 1")

    _install_check(monkeypatch, "result", crash)
    result = grade(spec, "SELECT 1")
    assert result.status == PLATFORM_ERROR and not result.gradable
    assert "does not count" in result.message


def test_teardown_runs_when_a_check_raises(make_lab, monkeypatch):
    spec = make_lab(
        'id = "t-raise"\ntitle = "t"\nengine = "postgres"\ntime_limit = 10\n[[checks]]\ntype = "result"\n',
        solution="SELECT 1",
    )
    seen = {}

    def explode(attempt, check_spec):
        seen["database"] = attempt.database()
        seen["instance"] = attempt.instance
        raise RuntimeError("a bug in a check")

    _install_check(monkeypatch, "result", explode)
    result = grade(spec, "SELECT 1")
    assert result.status == PLATFORM_ERROR and "a bug in a check" in result.message
    instance = seen["instance"]
    assert instance.alive()  # the server was fine: it went back to the pool
    names = [r[0] for r in instance.execute("SELECT datname FROM pg_database")]
    assert seen["database"] not in names


def _install_check(monkeypatch, check_type: str, fn) -> None:
    """Route a check type to ``fn`` (a module registered under a private name)."""
    module = types.ModuleType(f"indexed_test_check_{fn.__name__}")
    module.check = fn
    monkeypatch.setitem(_sys.modules, module.__name__, module)
    monkeypatch.setitem(CHECK_MODULES, (check_type, "postgres"), module.__name__)


CHILD = """
import os, sys, time
from labs.sandbox.postgres import start_instance
instance = start_instance()
print(instance.sandbox.path, instance.pid, flush=True)
time.sleep(120)
"""


def test_the_reaper_removes_a_sandbox_whose_owner_was_killed():
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env)
    try:
        path, pid = child.stdout.readline().split()
        pid = int(pid)
        assert Path(path).is_dir() and base.pid_alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        # the owner is gone but its server lives on (its own session): an orphan
        row = next(r for r in base.list_sandboxes() if r["path"] == path)
        assert not row["owner_alive"] and base.pid_alive(pid)
        reaped = base.reap_orphans()
        assert path in reaped
        assert not Path(path).exists()
        deadline = time.monotonic() + 5
        while base.pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not base.pid_alive(pid)
        # the template cache is shared by every worker and never reaped
        assert (base.SANDBOX_ROOT / "templates").is_dir()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
