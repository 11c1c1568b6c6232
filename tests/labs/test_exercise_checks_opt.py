"""The check options the optimization exercises use, on small inline labs and real servers:
result ``statements`` and ``script``; plan ``script``, ``estimate``, ``analyze = false``,
``allow_data_changes``, ``max_heap_fetches``, ``max_temp_blocks`` and ``max_new_index_kb``."""

from __future__ import annotations

import pytest

from labs.runner import grade
from labs.sandbox import postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")

HEADER = 'id = "t-{name}"\ntitle = "t"\nengine = "postgres"\ntopology = "{topology}"\ntime_limit = 20\n'
OWNER = "[engine_options]\nlearner_owns_schema = true\n"
POSTS = (
    "CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);"
    "INSERT INTO authors SELECT g, 'A' || g FROM generate_series(1, 50) g;"
    "CREATE TABLE posts (id int PRIMARY KEY, author_id int NOT NULL, title text NOT NULL);"
    "INSERT INTO posts SELECT g, 1 + g % 50, 'P' || g FROM generate_series(1, 200) g;"
)


def lab_toml(name: str, checks: str, *, topology: str = "database", owner: bool = False) -> str:
    return HEADER.format(name=name, topology=topology) + (OWNER if owner else "") + checks


def test_result_counts_the_statements_an_answer_sends(make_lab):
    checks = '[[checks]]\ntype = "result"\nstatements = 1\n'
    solution = "SELECT p.id, a.name FROM posts p JOIN authors a ON a.id = p.author_id ORDER BY p.id DESC LIMIT 3"
    spec = make_lab(lab_toml("count", checks, topology="readonly"), setup=POSTS, solution=solution)
    assert grade(spec, solution).score == 1.0
    # BEGIN/COMMIT around the one query are not round trips for data
    assert grade(spec, f"BEGIN; {solution}; COMMIT;").score == 1.0
    n_plus_one = "SELECT id, author_id FROM posts ORDER BY id DESC LIMIT 3; SELECT name FROM authors WHERE id = 1;"
    check = grade(spec, n_plus_one + solution).checks[0]
    assert not check.passed
    assert check.message.startswith("Your answer runs 3 statements; this page may send exactly 1 statement")
    assert "JOIN" in check.hint


def test_result_and_plan_in_script_mode_run_the_ddl_first_outside_a_transaction(make_lab):
    checks = (
        '[[checks]]\ntype = "result"\nname = "rows"\nscript = true\n'
        '[[checks]]\ntype = "plan"\nname = "plan"\nscript = true\n'
        'forbid = [{ node = "Seq Scan", relation = "big" }]\n'
    )
    setup = "CREATE TABLE big (id int, k int); INSERT INTO big SELECT g, g % 5000 FROM generate_series(1, 50000) g;"
    solution = "CREATE INDEX big_k ON big (k); SELECT id FROM big WHERE k = 7 ORDER BY id"
    spec = make_lab(lab_toml("script", checks, owner=True), setup=setup, solution=solution)
    # CONCURRENTLY cannot run inside a transaction block: the answer really ran as a script
    right = grade(spec, "CREATE INDEX CONCURRENTLY ON big (k);\nSELECT id FROM big WHERE k = 7 ORDER BY id;")
    assert right.score == 1.0, right
    no_index = grade(spec, "SELECT id FROM big WHERE k = 7 ORDER BY id")
    assert [c.passed for c in no_index.checks] == [True, False]
    assert "Seq Scan on big" in no_index.checks[1].message


def test_plan_estimate_without_the_graders_analyze_sees_stale_statistics(make_lab):
    checks = (
        '[[checks]]\ntype = "plan"\nquery = "SELECT * FROM t WHERE s = \'new\'"\nanalyze = false\n'
        'allow_data_changes = true\nestimate = { relation = "t", factor = 2 }\n'
    )
    setup = "CREATE TABLE t (id int, s text); INSERT INTO t SELECT g, 'old' FROM generate_series(1, 20000) g;"
    load = "INSERT INTO t SELECT g, 'new' FROM generate_series(20001, 30000) g;"
    spec = make_lab(lab_toml("stale", checks, owner=True), setup=setup, solution=load + " ANALYZE t;")
    assert grade(spec, load + " ANALYZE t;").score == 1.0
    check = grade(spec, load).checks[0]
    assert not check.passed
    assert "Seq Scan on t was estimated at" in check.message and "returned 10,000" in check.message
    assert check.artifacts["failed_node"] == []


def test_plan_data_changes_are_refused_unless_the_lab_allows_them(make_lab):
    checks = '[[checks]]\ntype = "plan"\nquery = "SELECT count(*) FROM t"\n'
    setup = "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100);"
    spec = make_lab(lab_toml("guard", checks, owner=True), setup=setup, solution="ANALYZE t")
    assert "The lab's data changed" in grade(spec, "DELETE FROM t").checks[0].message


def test_plan_max_heap_fetches_needs_a_vacuumed_table(make_lab):
    checks = (
        '[[checks]]\ntype = "plan"\nquery = "SELECT k FROM t WHERE k BETWEEN 10 AND 20"\n'
        'require_node = { node = "Index Only Scan", relation = "t" }\nmax_heap_fetches = 0\n'
    )
    setup = (
        "CREATE TABLE t (id int, k int, pad text);"
        "INSERT INTO t SELECT g, g % 2000, repeat('x', 50) FROM generate_series(1, 40000) g;"
        "CREATE INDEX t_k ON t (k);"
    )
    spec = make_lab(lab_toml("vm", checks, owner=True), setup=setup, solution="VACUUM t")
    assert grade(spec, "VACUUM t").score == 1.0
    check = grade(spec, "SET enable_bitmapscan = off").checks[0]
    assert not check.passed  # a fresh session: no Index Only Scan, or one with heap fetches
    forced = grade(spec, "ALTER TABLE t SET (autovacuum_enabled = false)").checks[0]
    assert not forced.passed


def test_plan_max_temp_blocks_catches_a_sort_that_spilled(make_lab):
    checks = '[[checks]]\ntype = "plan"\nmax_temp_blocks = 0\n'
    setup = (
        "CREATE TABLE a (id bigint, v int); CREATE TABLE b (id bigint, v int);"
        "INSERT INTO a SELECT g, g % 100 FROM generate_series(1, 150000) g;"
        "INSERT INTO b SELECT g, g % 100 FROM generate_series(150001, 300000) g;"
    )
    union_all = "SELECT count(*) FROM (SELECT id, v FROM a UNION ALL SELECT id, v FROM b) u"
    spec = make_lab(lab_toml("temp", checks, topology="readonly"), setup=setup, solution=union_all)
    passed = grade(spec, union_all).checks[0]
    assert passed.passed and passed.artifacts["temp_blocks"] == 0
    check = grade(spec, union_all.replace("UNION ALL", "UNION")).checks[0]
    assert not check.passed
    assert "temporary blocks" in check.message and check.artifacts["temp_blocks"] > 0
    node = check.artifacts["plan"][0]["Plan"]
    for child in check.artifacts["failed_node"]:  # the path points at the node that spilled
        node = node["Plans"][child]
    assert node["Node Type"] in ("Sort", "HashAggregate")


def test_plan_max_new_index_kb_counts_only_the_answers_indexes(make_lab):
    checks = (
        '[[checks]]\ntype = "plan"\n'
        "query = \"SELECT count(*) FROM log WHERE at >= '2024-01-02' AND at < '2024-01-02 01:00'\"\n"
        'require_index = "log"\nmax_new_index_kb = { relation = "log", kb = 64 }\n'
    )
    setup = (
        "CREATE TABLE log (id int PRIMARY KEY, at timestamp NOT NULL);"
        "INSERT INTO log SELECT g, timestamp '2024-01-01' + g * interval '2 seconds' FROM generate_series(1, 200000) g;"
    )
    brin = "CREATE INDEX log_at_brin ON log USING brin (at)"
    spec = make_lab(lab_toml("size", checks, owner=True), setup=setup, solution=brin)
    right = grade(spec, brin).checks[0]
    assert right.passed, right
    assert right.artifacts["new_index_kb"]["log"] < 64  # the 4 MB primary key is not the answer's
    check = grade(spec, "CREATE INDEX log_at ON log (at)").checks[0]
    assert not check.passed
    assert "The indexes your answer built on log take" in check.message and "the budget is 64 kB" in check.message
