"""The MariaDB engine on the real mariadbd: start and teardown leave nothing behind, and a
hostile answer ends in a clear learner verdict (never a platform fault) with nothing left."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pymysql
import pytest

from labs.engines.mariadb import server as mariadb
from labs.result import GRADED, REJECTED, TIMEOUT
from labs.runner import grade
from labs.sandbox import base
from labs.spec import load_spec

pytestmark = pytest.mark.skipif(not shutil.which("mariadbd", path="/usr/sbin:/usr/bin"), reason="no mariadbd")


def _our_sandboxes() -> list[Path]:
    root = base.SANDBOX_ROOT
    return sorted(root.glob(f"mariadb-{os.getpid()}-*")) if root.exists() else []


def _mariadbd_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"mariadbd") and any(b"indexed-sandboxes" in a for a in argv):
                pids.add(int(entry.name))
    return pids


@pytest.fixture
def tiny_lab(tmp_path: Path) -> Path:
    (tmp_path / "lab.toml").write_text(textwrap.dedent("""
        id = "mariadb-tiny"
        title = "tiny"
        engine = "mariadb"
        time_limit = 4

        [[checks]]
        type = "result"
        name = "rows match"
        """))
    (tmp_path / "setup.sql").write_text("CREATE TABLE t (x INT PRIMARY KEY); INSERT INTO t VALUES (1), (2);")
    (tmp_path / "solution.sql").write_text("SELECT x FROM t ORDER BY x;")
    return tmp_path


@pytest.fixture(autouse=True)
def _clean_pool():
    before = _mariadbd_pids()
    yield
    mariadb.shutdown()
    assert _our_sandboxes() == []
    assert _mariadbd_pids() - before == set()


def test_a_server_starts_from_the_template_and_its_teardown_leaves_nothing():
    with mariadb.start_server() as server:
        rows = server.execute("SELECT @@secure_file_priv, @@local_infile, @@skip_networking")
        assert rows[0][1] == 0 and rows[0][2] == 1 and rows[0][0].endswith("no-files/")
        grants = " ".join(r[0] for r in server.execute("SHOW GRANTS FOR learner@localhost"))
        assert "FILE" not in grants and "SUPER" not in grants and "PROCESS" not in grants
        sandbox = server.sandbox.path
    assert not sandbox.exists()


def test_the_server_itself_refuses_the_learner_files_globals_and_plugins():
    with mariadb.start_server() as server:
        server.execute("CREATE DATABASE att")
        server.execute("GRANT SELECT, INSERT, CREATE ON att.* TO learner@localhost")
        conn = server.connect("learner", "att")
        refused = [
            "SELECT 1 INTO OUTFILE '/tmp/indexed-leak'",
            "SET GLOBAL max_connections = 1",
            "INSTALL SONAME 'ha_blackhole'",
            "SET SESSION sort_buffer_size = 1073741824",
        ]
        with conn.cursor() as cur:
            for sql in refused[:3]:
                with pytest.raises(pymysql.MySQLError):
                    cur.execute(sql)
            cur.execute("SELECT LOAD_FILE('/etc/passwd')")  # without FILE: NULL, never the file
            assert cur.fetchone()[0] is None
            cur.execute(refused[3])  # accepted, but capped by --maximum-sort-buffer-size
            cur.execute("SELECT @@session.sort_buffer_size")
            assert cur.fetchone()[0] <= 2 << 20
        conn.close()
        assert not Path("/tmp/indexed-leak").exists()


@pytest.mark.parametrize(
    "answer",
    [
        "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t; SELECT x FROM t ORDER BY x;",
        "SELECT x FROM t INTO OUTFILE '/tmp/x'; SELECT x FROM t ORDER BY x;",
        "SET GLOBAL max_statement_time = 0; SELECT x FROM t ORDER BY x;",
        "INSTALL PLUGIN blackhole SONAME 'ha_blackhole'; SELECT x FROM t ORDER BY x;",
        "INSTALL SONAME 'ha_blackhole'; SELECT x FROM t ORDER BY x;",
        "/*!100000 SET GLOBAL max_connections = 1 */; SELECT x FROM t ORDER BY x;",
    ],
)
def test_hostile_statements_are_refused_with_a_sentence(tiny_lab, answer):
    result = grade(load_spec(tiny_lab), answer)
    assert result.status == REJECTED and result.gradable
    assert "not allowed in the sandbox" in result.message


@pytest.mark.slow
def test_a_sleep_past_the_limit_is_the_learners_timeout(tiny_lab):
    result = grade(load_spec(tiny_lab), "DO SLEEP(30); SELECT x FROM t ORDER BY x;")
    assert result.status == TIMEOUT and result.gradable
    assert "limit of 4 s" in result.message


def test_a_huge_result_is_cut_and_judged(tiny_lab):
    result = grade(load_spec(tiny_lab), "SELECT a.seq FROM seq_1_to_100000 a, seq_1_to_100000 b;")
    assert result.status == GRADED and result.score == 0
    assert "more than 1000 rows" in result.checks[0].message


def test_a_right_and_a_wrong_answer(tiny_lab):
    assert grade(load_spec(tiny_lab), "select x from t order by 1").score == 1.0
    wrong = grade(load_spec(tiny_lab), "SELECT x FROM t WHERE x > 1 ORDER BY x")
    assert wrong.score == 0 and wrong.status == GRADED


def test_a_learner_syntax_error_is_a_verdict_with_the_servers_words(tiny_lab):
    result = grade(load_spec(tiny_lab), "SELEC x FROM t;")
    assert result.status == GRADED and result.score == 0
    assert "MariaDB error 1064" in result.checks[0].message
