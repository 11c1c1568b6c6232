"""The MariaDB ``replication`` topology on two real mariadbd: the lab's solution passes every
check (rows arrive, a SIGKILLed replica resumes exactly), wrong setups are named by the check
a learner would read, hostile answers end in a verdict, and nothing is left running."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.engines.mariadb.replication import split_sections
from labs.result import GRADED, REJECTED
from labs.runner import grade
from labs.sandbox import base
from labs.spec import load_spec

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "mariadb-gtid-replica"
needs_mariadb = pytest.mark.skipif(not shutil.which("mariadbd", path="/usr/sbin:/usr/bin"), reason="no mariadbd")


def _our_sandboxes() -> list[Path]:
    root = base.SANDBOX_ROOT
    return sorted(root.glob(f"mariadb-repl-{os.getpid()}-*")) if root.exists() else []


def _mariadbd_pids() -> set[int]:
    root = str(base.SANDBOX_ROOT).encode()
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"mariadbd") and any(root in a for a in argv):
                pids.add(int(entry.name))
    return pids


@pytest.fixture
def no_leftovers():
    before = _mariadbd_pids()
    yield
    assert _our_sandboxes() == []
    assert _mariadbd_pids() - before == set()


def _answer(primary: str, replica: str) -> str:
    return f"-- @primary\n{primary}\n-- @replica\n{replica}\n"


GOOD_PRIMARY = (
    "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';"
)
GOOD_REPLICA = (
    "SELECT gtid_pos INTO @p FROM provision.backup_position; SET GLOBAL gtid_slave_pos = @p; "
    "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='pw', "
    "MASTER_USE_GTID=slave_pos; START SLAVE;"
)


# -- the answer's sections (pure)


def test_sections_run_where_their_marker_says_in_order():
    sections = split_sections("-- @replica\nSELECT 1;\n-- @PRIMARY\nSELECT 2; SELECT 3;\n-- @replica\nSELECT 4;")
    assert [(s.server, len(s.statements)) for s in sections] == [("replica", 1), ("primary", 2), ("replica", 1)]
    assert sections[1].line == 3


def test_statements_before_any_marker_or_an_unknown_server_are_refused_with_the_fix():
    with pytest.raises(AnswerRejected, match="before any '-- @primary'"):
        split_sections("SELECT 1;\n-- @primary\nSELECT 2;")
    with pytest.raises(AnswerRejected, match="Line 1: '-- @standby' names no server"):
        split_sections("-- @standby\nSELECT 1;")


def test_files_and_plugins_are_refused_before_anything_starts():
    with pytest.raises(AnswerRejected, match="On the primary: .*INTO OUTFILE"):
        split_sections("-- @primary\nSELECT * FROM shop.orders INTO OUTFILE '/tmp/o.csv';")
    with pytest.raises(AnswerRejected, match="plugins"):
        split_sections("-- @replica\nINSTALL SONAME 'ha_connect';")


# -- on the real servers


@needs_mariadb
@pytest.mark.slow
def test_the_solution_replicates_survives_a_crash_and_leaves_nothing(no_leftovers):
    spec = load_spec(LAB)
    result = grade(spec, spec.solution_path.read_text())
    assert result.status == GRADED and result.score == 1.0, [c.message for c in result.checks]
    restart = next(c for c in result.checks if "crash" in c.name)
    assert "resumed by itself" in restart.message
    assert restart.artifacts["primary_gtid"] == restart.artifacts["replica_gtid"]


@needs_mariadb
@pytest.mark.slow
def test_starting_at_the_primarys_current_position_loses_what_it_wrote_after_the_dump(no_leftovers):
    spec = load_spec(LAB)
    # The primary's position at the time the script runs: the five heartbeats written after the
    # dump are already in it, so the replica never receives them.
    answer = _answer(
        GOOD_PRIMARY + " SELECT @@gtid_binlog_pos;",
        GOOD_REPLICA.replace(
            "SELECT gtid_pos INTO @p FROM provision.backup_position;",
            "SELECT CONCAT('0-1-', SUBSTRING_INDEX(gtid_pos, '-', -1) + 10) INTO @p FROM provision.backup_position;",
        ),
    )
    result = grade(spec, answer)
    assert result.score < 1.0
    in_sync = next(c for c in result.checks if "nothing missing" in c.name)
    assert not in_sync.passed
    assert "heartbeat rows written on the primary are missing on the replica" in in_sync.message


@needs_mariadb
@pytest.mark.slow
def test_an_account_for_localhost_is_named_as_the_reason_the_replica_cannot_log_in(no_leftovers):
    spec = load_spec(LAB)
    answer = _answer(GOOD_PRIMARY.replace("127.0.0.1", "localhost"), GOOD_REPLICA)
    result = grade(spec, answer)
    replicating = next(c for c in result.checks if "threads run" in c.name)
    assert not replicating.passed
    assert "1045" in replicating.message and "'localhost' only matches socket logins" in replicating.hint


@needs_mariadb
@pytest.mark.slow
@pytest.mark.parametrize(
    ("primary", "replica", "expected"),
    [
        # a server-wide setting on a node
        (GOOD_PRIMARY, "SET GLOBAL read_only = 0;", "1227"),
        # writing the primary's data files through the server
        (
            "SELECT 'x' INTO DUMPFILE '/proc/self/cwd/data/mysql/user.MAD';",
            GOOD_REPLICA,
            "not allowed in the sandbox",
        ),
        # reading them through LOAD_FILE from the replica's side
        (GOOD_PRIMARY, "SELECT LOAD_FILE('/etc/shadow');", "not allowed in the sandbox"),
        # giving itself more than the lab allows
        ("GRANT SUPER ON *.* TO learner@localhost;", GOOD_REPLICA, "Access denied"),
        # stopping the server
        (GOOD_PRIMARY, "SHUTDOWN;", "not allowed in the sandbox"),
    ],
)
def test_hostile_answers_get_a_verdict_and_leave_nothing(no_leftovers, primary, replica, expected):
    spec = load_spec(LAB)
    result = grade(spec, _answer(primary, replica))
    assert result.status == REJECTED, (result.status, result.message)
    assert expected in result.message
    assert result.score == 0.0
