"""Galera (three real mariadbd wsrep nodes with galera-4): the answer's sections are parsed and
refused as a learner would need; on the real cluster the lab's solution passes both checks, an
increment without retry is caught with the failed purchases counted, hostile answers end in a
verdict, and no process or sandbox is left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.engines.galera.answer import AdminSet, parse_answer, split_with_delimiters
from labs.engines.galera.cluster import cluster_template, find_missing, start_cluster
from labs.engines.mariadb.server import find_missing_binaries
from labs.result import GRADED, REJECTED
from labs.runner import grade
from labs.sandbox import base
from labs.spec import load_spec

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "galera-certification-quorum"


def _leftover_processes() -> set[int]:
    """Processes (mariadbd, rsync, SST scripts) whose command line points into our sandboxes."""
    root = str(base.SANDBOX_ROOT).encode()
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if root in argv and b"galera-" in argv:
                pids.add(int(entry.name))
    return pids


@pytest.fixture
def no_leftovers():
    before = _leftover_processes()
    yield
    root = base.SANDBOX_ROOT
    assert (sorted(root.glob(f"galera-{os.getpid()}-*")) if root.exists() else []) == []
    assert _leftover_processes() - before == set()


needs_galera = pytest.mark.skipif(
    bool(find_missing_binaries() or find_missing()), reason="mariadbd or galera-4 is not installed"
)

INCREMENT = "-- @increment\nUPDATE accounts SET points = points + @amount WHERE id = @account;\n"


# -- the answer (pure)


def test_delimiter_lines_keep_a_procedure_body_in_one_statement():
    statements = split_with_delimiters(
        "CREATE INDEX i ON accounts (owner);\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\n"
        "DELIMITER ;\nSELECT 3;"
    )
    assert [s.text.split()[0] for s in statements] == ["CREATE", "CREATE", "SELECT"]
    assert "SELECT 1; SELECT 2;" in statements[1].text


def test_sections_are_read_and_recovery_settings_are_validated_for_the_platform_to_apply():
    answer = parse_answer(
        "-- @setup\nSELECT 1;\n" + INCREMENT + "-- @lost_two_nodes\nSHOW STATUS LIKE 'wsrep%';\n"
        "SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES';\n"
    )
    assert len(answer.setup) == 1 and len(answer.increment) == 1
    show, setting = answer.recovery
    assert isinstance(setting, AdminSet) and not isinstance(show, AdminSet)
    assert setting.sql() == ("SET GLOBAL wsrep_provider_options = %s", ("pc.bootstrap=YES",))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("UPDATE accounts SET points = 0;", "no section lines"),
        ("-- @setup\nSELECT 1;", "'-- @increment' section is missing"),
        ("-- @teardown\nSELECT 1;\n" + INCREMENT, "'-- @teardown' is not a section"),
        (INCREMENT + "-- @lost_two_nodes\nSET GLOBAL wsrep_provider_options = 'gcache.size=2G';", "only pc.*"),
        (INCREMENT + "-- @lost_two_nodes\nSET GLOBAL max_connections = 1;", "SET GLOBAL for"),
        (INCREMENT + "-- @lost_two_nodes\nSET GLOBAL wsrep_cluster_address = 'gcomm://10.0.0.9:4567';", "127.0.0.1"),
        (INCREMENT + "-- @lost_two_nodes\nUPDATE accounts SET points = 0;", "only SELECT, SHOW"),
        ("-- @increment\nSET GLOBAL wsrep_retry_autocommit = 5;", "server-wide settings belong to the platform"),
    ],
)
def test_answers_the_platform_cannot_run_are_refused_with_the_reason(answer, message):
    with pytest.raises(AnswerRejected, match=message.replace("*", r"\*")):
        parse_answer(answer)


# -- on a real three-node cluster


@needs_galera
@pytest.mark.slow
def test_an_attempts_cluster_reforms_from_the_sealed_template_without_a_state_transfer(no_leftovers):
    template = cluster_template()
    if base.is_root():
        assert template.stat().st_uid == 0 and template.stat().st_mode & 0o077 == 0
    cluster = start_cluster()
    try:
        assert {cluster.status(name)["wsrep_cluster_size"] for name in ("node1", "node2", "node3")} == {"3"}
        assert cluster.timings["synced_s"] < 30
        for name in ("node2", "node3"):
            assert "SST" not in cluster.nodes[name].process.log_path.read_text(errors="replace")
    finally:
        cluster.stop()


@needs_galera
@pytest.mark.slow
def test_the_solution_survives_certification_conflicts_and_the_loss_of_two_nodes(no_leftovers):
    spec = load_spec(LAB)
    result = grade(spec, spec.solution_path.read_text())
    assert result.status == GRADED and result.score == 1.0, [c.message for c in result.checks]
    hot, quorum = result.checks
    assert hot.artifacts["failed"] == 0 and hot.artifacts["acknowledged"] == 200
    assert len(set(hot.artifacts["after"].values())) == 1  # all three nodes agree
    assert "refused a write (error 1047" in quorum.message and "took a write" in quorum.message


@needs_galera
@pytest.mark.slow
def test_an_increment_without_retry_loses_purchases_to_certification_and_says_why(no_leftovers):
    spec = load_spec(LAB)
    result = grade(spec, INCREMENT + "-- @lost_two_nodes\nSHOW STATUS LIKE 'wsrep_cluster_status';\n")
    hot, quorum = result.checks
    assert not hot.passed and hot.artifacts["failed"] > 0
    assert hot.artifacts["errors"].get("1213", 0) == hot.artifacts["failed"]
    assert "error 1213" in hot.message and "certifies a transaction at COMMIT" in hot.hint
    assert not quorum.passed and "non-Primary" in quorum.message


@needs_galera
@pytest.mark.slow
def test_a_hostile_setup_gets_a_verdict_and_the_cluster_is_gone(no_leftovers):
    spec = load_spec(LAB)
    # A SET GLOBAL the text scan cannot see (built at run time): the node itself refuses it, as
    # the learner account has no SUPER, and the answer ends as rejected with the server's reason.
    hostile = "-- @setup\nPREPARE s FROM CONCAT('SET GLO', 'BAL wsrep_on = OFF');\nEXECUTE s;\n" + INCREMENT
    result = grade(spec, hostile)
    assert result.status == REJECTED, result.message
    assert "MariaDB error 1227" in result.message and "SUPER" in result.message
    assert result.score == 0.0
