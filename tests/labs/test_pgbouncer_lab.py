"""PgBouncer lab: the answer parser and the pgbench reader (fast), real grades through a real
PgBouncer 1.18 in front of a real primary (slow)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.engines.pgbouncer.answer import parse_answer, render_ini
from labs.engines.pgbouncer.pgbench import PgbenchRun, parse_output
from labs.result import GRADED, REJECTED
from labs.sandbox import base

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "pgbouncer-transaction-pooling"
needs_pgbouncer = pytest.mark.skipif(
    shutil.which("pgbouncer") is None and not Path("/usr/sbin/pgbouncer").is_file(), reason="pgbouncer is not installed"
)


def test_sections_entries_and_the_platforms_keys_are_rendered():
    config = parse_answer(
        "; comment\n[databases]\nshop = dbname=shop pool_size=12\n* = dbname=shop pool_mode=Session\n"
        "[users]\nreporter = pool_mode=session\n[pgbouncer]\npool_mode = transaction\n"
    )
    assert config.databases["shop"] == {"dbname": "shop", "pool_size": "12"}
    assert config.pool_mode("shop", "app") == "transaction"
    assert config.pool_mode("shop_reports", "app") == "session"  # the * fallback, value read in any case
    assert config.pool_mode("shop", "reporter") == "session"  # a user's mode wins over the database's
    ini = render_ini(config, "/sock", 5433, {"listen_port": "6432", "auth_type": "trust"})
    assert "shop = dbname=shop pool_size=12 host=/sock port=5433" in ini
    assert ini.rstrip().endswith("listen_port = 6432\nauth_type = trust")


def test_the_server_budget_counts_reserves_and_caps():
    config = parse_answer(
        "[databases]\nshop = dbname=shop max_db_connections=13\nshop_reports = dbname=shop pool_size=4 reserve_pool=0\n"
        "[users]\napp = max_user_connections=11\n[pgbouncer]\nreserve_pool_size = 5\n"
    )
    assert config.server_budget("shop", "app") == 11  # 20 + 5, capped at 13 and then 11
    assert config.server_budget("shop_reports", "reporter") == 4
    assert parse_answer("[databases]\nshop = dbname=shop\n").server_budget("shop", "app") == 20  # PgBouncer's default


@pytest.mark.parametrize(
    "text, words",
    [
        ("[databases]\nshop = dbname=shop\n[pgbouncer]\nmax_prepared_statements = 100", "arrived in PgBouncer 1.21"),
        ("[databases]\nshop = host=10.0.1.10 dbname=shop", "host in the entry for shop is set by the platform"),
        ("[databases]\nshop = dbname=shop\n[pgbouncer]\nlisten_port = 6432", "set by the platform"),
        ("[databases]\nshop = dbname=shop\n[pgbouncer]\nquery_wait_timeout = 30", "the app's own patience"),
        ("[databases]\nshop = dbname=shop\n[pgbouncer]\ndefault_pool_sise = 10", r"did you mean default_pool_size\?"),
        ("[databases]\nshop = dbname=shop pool_mode=transactional", r"did you mean transaction\?"),
        ("[databases]\nshop = dbname=shop poolsize=4", r"did you mean pool_size\?"),
        ("[Databases]\nshop = dbname=shop", r"did you mean databases\?"),
        ("pool_mode = transaction\n[databases]\nshop = dbname=shop", r"before any \[section\]"),
        ("[pgbouncer]\npool_mode = transaction", r"no \[databases\] entry"),
        ("[databases]\nshop = dbname=shop\n%include /etc/passwd", "the answer is the whole file"),
        ("[databases]\nshop = dbname=shop\n[pgbouncer]\ndefault_pool_size = ten", "whole number"),
    ],
)
def test_a_bad_answer_is_refused_with_its_line(text: str, words: str):
    with pytest.raises(AnswerRejected, match=words) as refused:
        parse_answer(text)
    assert str(refused.value).startswith(("line ", "end of answer"))


def test_pgbench_output_is_read_into_totals_and_distinct_errors():
    stdout = (
        "number of transactions actually processed: 2929\nnumber of failed transactions: 0 (0.000%)\n"
        "tps = 964.668243 (without initial connection time)\n"
    )
    stderr = (
        "pgbench: error: client 42 script 0 aborted in command 1 query 0: FATAL:  query_wait_timeout\n"
        "pgbench: error: client 43 script 0 aborted in command 1 query 0: FATAL:  query_wait_timeout\n"
        'pgbench: error: connection to server on socket "/dev/shm/x/.s.PGSQL.6432" failed: FATAL:  no more '
        "connections allowed (max_client_conn)\npgbench: error: Run was aborted; the above results are incomplete.\n"
    )
    run = parse_output(PgbenchRun(label="app", clients=50, seconds=3, returncode=2), stdout, stderr)
    assert (run.processed, run.tps, run.aborted_clients) == (2929, 964.668243, 2)
    assert run.errors == {"FATAL: query_wait_timeout": 2, "FATAL: no more connections allowed (max_client_conn)": 1}
    assert not run.clean and "/dev/shm" not in run.error_summary()


def _grade(answer: str):
    from labs.runner import grade
    from labs.spec import load_spec

    return grade(load_spec(LAB), answer)


def _leftovers() -> list[str]:
    return [row["path"] for row in base.list_sandboxes() if "pgbouncer" in str(row.get("path", ""))]


@pytest.mark.slow
@needs_pgbouncer
def test_the_solution_is_graded_one_and_leaves_nothing_behind():
    before = set(_leftovers())
    result = _grade((LAB / "solution.ini").read_text())
    assert result.status == GRADED and result.score == 1.0, result.to_dict()
    fits = next(c for c in result.checks if c.name.startswith("the pools fit"))
    assert fits.artifacts["refusals"] == 0 and fits.artifacts["peak_server_connections"] <= 17
    assert set(_leftovers()) <= before  # the sandbox, PostgreSQL and PgBouncer are gone


@pytest.mark.slow
@needs_pgbouncer
def test_transaction_pooling_for_prepared_statements_is_the_pitfall_the_reports_check_names():
    result = _grade((LAB / "wrong" / "transaction_everywhere.ini").read_text())
    failed = [c for c in result.checks if not c.passed]
    assert [c.name for c in failed] == ["the reports job with named prepared statements runs without an error"]
    assert "prepared statement" in failed[0].message and "session-mode pool" in failed[0].hint


@pytest.mark.slow
@needs_pgbouncer
def test_session_pooling_for_the_app_times_clients_out():
    result = _grade((LAB / "wrong" / "session_everywhere.ini").read_text())
    app = next(c for c in result.checks if c.name.startswith("every app client"))
    assert not app.passed and "query_wait_timeout" in app.message and "In session mode" in app.hint


@pytest.mark.slow
@needs_pgbouncer
def test_max_prepared_statements_is_refused_before_any_server_starts():
    result = _grade((LAB / "wrong" / "max_prepared_statements.ini").read_text())
    assert result.status == REJECTED and result.gradable and "line 9" in result.message
