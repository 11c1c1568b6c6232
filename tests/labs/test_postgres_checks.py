"""Every Postgres check family, passing and failing, on the fixture labs and small inline labs."""

from __future__ import annotations

import json

import pytest

from labs.result import GRADED
from labs.runner import grade
from labs.sandbox import postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")


def grade_file(spec, name: str):
    return grade(spec, (spec.root / name).read_text())


# --------------------------------------------------------------------------- result


def test_result_solution_passes_on_visible_and_hidden_data(pg_lab):
    result = grade_file(pg_lab("pg-result"), "solution.sql")
    assert result.score == 1.0, result
    check = result.checks[0]
    assert "on the lab's data and on a second dataset" in check.message
    assert check.artifacts["preview"]["columns"] == ["id", "name", "orders", "total"]


def test_result_missing_rows_are_named_with_a_hint(pg_lab):
    result = grade_file(pg_lab("pg-result"), "wrong/inner_join.sql")
    check = result.checks[0]
    assert result.status == GRADED and result.score == 0.0
    assert "1 expected row missing, e.g. (5, Donald, 0, 0)" in check.message
    assert "LEFT JOIN" in check.hint
    assert check.artifacts["diff"]["missing"] == [[5, "Donald", 0, "0"]]


def test_a_hard_coded_answer_fails_on_the_hidden_dataset_without_leaking_its_rows(pg_lab):
    spec = pg_lab("pg-result")
    result = grade_file(spec, "wrong/hard_coded.sql")
    check = result.checks[0]
    assert check.message == (
        "On a second dataset with other rows, your query returned 5 rows, expected 8; the rows that differ "
        "involve empty groups (a count or total of 0, an empty list)."
    )
    hidden_names = {"Linus", "Margaret", "Ken", "Dennis", "Frances", "John"}
    dumped = json.dumps(result.to_dict())
    assert not any(name in dumped for name in hidden_names)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("wrong/count_amount.sql", "returned the expected number of rows (8), but 2 of them differ"),
        ("wrong/no_tiebreak.sql", "returned the expected number of rows (8), but in a different order"),
    ],
)
def test_hidden_data_catches_nulls_and_ties(pg_lab, answer, phrase):
    check = grade_file(pg_lab("pg-result"), answer).checks[0]
    assert not check.passed
    assert phrase in check.message


def test_result_sql_errors_name_the_statement_and_carry_the_postgres_hint(pg_lab):
    result = grade(pg_lab("pg-result"), "SELECT c.id, c.nme FROM customers c")
    check = result.checks[0]
    assert check.message.startswith(
        "Line 1: Statement 1 (SELECT c.id, c.nme FROM customers c) failed: ERROR: column c.nme"
    )
    assert check.hint


def test_result_answer_must_end_with_a_query(pg_lab):
    check = grade(pg_lab("pg-result"), "UPDATE orders SET amount = 0").checks[0]
    assert "does not return rows" in check.message


def test_result_with_a_query_parameter_runs_the_answer_as_a_script_first(make_lab):
    toml = (
        'id = "t-view"\ntitle = "t"\nengine = "postgres"\ntime_limit = 10\n'
        '[[checks]]\ntype = "result"\nquery = "SELECT * FROM big_spenders ORDER BY id"\n'
    )
    setup = "CREATE TABLE c (id int, spent int); INSERT INTO c VALUES (1, 10), (2, 500), (3, 900);"
    spec = make_lab(toml, setup=setup, solution="CREATE VIEW big_spenders AS SELECT id FROM c WHERE spent > 100;")
    assert grade(spec, "CREATE VIEW big_spenders AS SELECT id FROM c WHERE spent >= 500").score == 1.0
    failed = grade(spec, "CREATE VIEW big_spenders AS SELECT id FROM c").checks[0]
    assert "should not be there, e.g. (1)" in failed.message
    missing = grade(spec, "CREATE VIEW big_spender AS SELECT id FROM c").checks[0]
    assert 'relation "big_spenders" does not exist' in missing.message


def test_result_compares_columns_by_name_when_the_lab_says_so(make_lab):
    toml = (
        'id = "t-names"\ntitle = "t"\nengine = "postgres"\ntopology = "readonly"\ntime_limit = 10\n'
        '[[checks]]\ntype = "result"\nignore_column_names = false\nignore_column_order = true\n'
    )
    spec = make_lab(toml, solution="SELECT 1 AS id, 'a' AS name")
    assert grade(spec, "SELECT 'a' AS name, 1 AS id").score == 1.0
    check = grade(spec, "SELECT 1 AS id, 'a' AS label").checks[0]
    assert "named (id, label); expected (id, name)" in check.message


# --------------------------------------------------------------------------- plan


def test_plan_solution_uses_an_index_and_stays_within_buffers(pg_lab):
    result = grade_file(pg_lab("pg-plan"), "solution.sql")
    assert result.score == 1.0, result
    plan_check = result.checks[0]
    assert plan_check.artifacts["plan"][0]["Plan"]["Node Type"] in ("Index Scan", "Bitmap Heap Scan")
    assert plan_check.artifacts["buffers"] <= 200


def test_plan_failure_points_at_the_seq_scan_node(pg_lab):
    result = grade_file(pg_lab("pg-plan"), "wrong/wrong_column.sql")
    plan_check = result.checks[0]
    assert not plan_check.passed
    assert plan_check.message.startswith("The plan still uses a Seq Scan on orders")
    assert "threw away" in plan_check.message
    path = plan_check.artifacts["failed_node"]
    node = plan_check.artifacts["plan"][0]["Plan"]
    for index in path:
        node = node["Plans"][index]
    assert node["Node Type"] == "Seq Scan" and node["Relation Name"] == "orders"
    assert plan_check.hint == "CREATE INDEX on the column in the WHERE clause."
    assert result.checks[1].passed  # the data is intact


def test_plan_cannot_be_faked_by_emptying_the_table_or_by_planner_settings(pg_lab):
    spec = pg_lab("pg-plan")
    emptied = grade_file(spec, "wrong/empty_table.sql")
    assert emptied.score < 1.0 and not emptied.checks[1].passed
    faked = grade(spec, "SET enable_seqscan = off; CREATE INDEX ON orders (status);")
    assert not faked.checks[0].passed


def test_plan_of_the_learners_own_query(make_lab):
    toml = (
        'id = "t-sargable"\ntitle = "t"\nengine = "postgres"\ntopology = "readonly"\ntime_limit = 10\n'
        '[[checks]]\ntype = "plan"\nrequire_index = "events"\n'
    )
    setup = (
        "CREATE TABLE events (id int PRIMARY KEY, at date NOT NULL);"
        "INSERT INTO events SELECT g, date '2020-01-01' + g % 1000 FROM generate_series(1, 50000) g;"
        "CREATE INDEX ON events (at);"
    )
    spec = make_lab(toml, setup=setup, solution="SELECT id FROM events WHERE at >= '2022-01-01' AND at < '2022-01-02'")
    assert grade(spec, "SELECT id FROM events WHERE at BETWEEN '2022-01-01' AND '2022-01-01'").score == 1.0
    not_sargable = "SELECT id FROM events WHERE extract(year FROM at) = 2022 AND extract(doy FROM at) = 1"
    check = grade(spec, not_sargable).checks[0]
    assert check.message.startswith("The plan reads events without any index")
    assert "failed_node" in check.artifacts


# --------------------------------------------------------------------------- schema


def test_schema_solution_passes_catalog_and_behaviour_checks(pg_lab):
    result = grade_file(pg_lab("pg-schema"), "solution.sql")
    assert result.score == 1.0, result
    assert len(result.checks[1].artifacts["behaviour"]) == 6


def test_schema_reports_the_wrong_on_delete_rule_and_the_refused_statement(pg_lab):
    result = grade_file(pg_lab("pg-schema"), "wrong/no_cascade.sql")
    catalog, behaviour = result.checks
    assert "uses ON DELETE NO ACTION; expected ON DELETE CASCADE" in catalog.message
    assert behaviour.message.startswith("This statement should work (deleting a customer removes their orders)")
    assert "violates foreign key constraint" in behaviour.message


def test_schema_names_the_statement_that_unexpectedly_succeeded(pg_lab):
    result = grade_file(pg_lab("pg-schema"), "wrong/no_check.sql")
    catalog, behaviour = result.checks
    assert catalog.message == "orders has no CHECK constraint on (quantity)."
    assert behaviour.message.startswith("This statement should have been refused (a quantity must be positive)")
    assert "CHECK" in behaviour.hint


def test_schema_reports_types_and_uniqueness(pg_lab):
    catalog = grade_file(pg_lab("pg-schema"), "wrong/email_not_unique.sql").checks[0]
    assert "Nothing makes customers(email) unique" in catalog.message
    assert "orders.amount is real; expected numeric(10,2)" in catalog.message


def test_schema_syntax_error_names_the_statement(pg_lab):
    check = grade_file(pg_lab("pg-schema"), "wrong/syntax_error.sql").checks[0]
    line = check.artifacts["error"]["line"]  # where Postgres' error position falls in the file
    assert check.message.startswith(f"Line {line}: Statement 1 (CREATE TABLE customers") and line > 1
    assert 'syntax error at or near ")"' in check.message


# --------------------------------------------------------------------------- concurrency


def test_concurrency_for_update_prevents_the_lost_update(pg_lab):
    result = grade_file(pg_lab("pg-concurrency"), "solution.sql")
    assert result.score == 1.0, result
    timeline = result.checks[0].artifacts["timeline"]
    assert any(event["event"] == "waits" and event["for"] == ["A"] for event in timeline)


def test_concurrency_an_atomic_update_also_prevents_it(pg_lab):
    answer = "BEGIN;\nUPDATE accounts SET balance = balance - :amount WHERE id = 1;\nCOMMIT;"
    assert grade(pg_lab("pg-concurrency"), answer).score == 1.0


def test_concurrency_lost_update_is_explained_step_by_step(pg_lab):
    check = grade_file(pg_lab("pg-concurrency"), "wrong/read_then_write.sql").checks[0]
    assert not check.passed
    assert "returned 80.00, expected 70: a lost update" in check.message
    assert "B: UPDATE accounts SET balance = 100.00 - 20 WHERE id = 1 (waits for A)" in check.message
    assert "FOR UPDATE" in check.hint


def test_concurrency_a_transaction_left_open_hits_the_lock_timeout(pg_lab):
    check = grade_file(pg_lab("pg-concurrency"), "wrong/no_commit.sql").checks[0]
    assert "waited longer than the lock timeout (1s)" in check.message


def test_concurrency_repeatable_read_with_retry_is_correct_but_unhandled_failures_are_reported(pg_lab, make_lab):
    body = (
        "BEGIN ISOLATION LEVEL REPEATABLE READ;\n"
        "SELECT balance FROM accounts WHERE id = 1 \\gset\n"
        "UPDATE accounts SET balance = :balance - :amount WHERE id = 1;\nCOMMIT;"
    )
    assert grade(pg_lab("pg-concurrency"), body).score == 1.0  # the application retries 40001
    lab = pg_lab("pg-concurrency")
    toml = (lab.root / "lab.toml").read_text() + 'on_serialization_failure = "fail"\n'
    strict = make_lab(
        toml.replace('id = "fixture-pg-concurrency"', 'id = "t-strict"'),
        setup=(lab.root / "setup.sql").read_text(),
        solution=(lab.root / "solution.sql").read_text(),
    )
    check = grade(strict, body).checks[0]
    assert "serialization failure (SQLSTATE 40001) and was not retried" in check.message


def test_concurrency_deadlocks_are_detected(make_lab):
    toml = (
        'id = "t-deadlock"\ntitle = "t"\nengine = "postgres"\ntime_limit = 10\n'
        '[[checks]]\ntype = "concurrency"\n'
        "variables = { A = { first = 1, second = 2 }, B = { first = 2, second = 1 } }\n"
        'invariant = "SELECT sum(n) FROM counters"\nexpect = [[2]]\n'
    )
    setup = "CREATE TABLE counters (id int PRIMARY KEY, n int); INSERT INTO counters VALUES (1, 0), (2, 0);"
    body = (
        "BEGIN;\nUPDATE counters SET n = n + 1 WHERE id = :first;\n"
        "UPDATE counters SET n = n + 1 WHERE id = :second;\nCOMMIT;"
    )
    ordered = (
        "BEGIN;\nSELECT 1 FROM counters WHERE id IN (:first, :second) ORDER BY id FOR UPDATE;\n"
        "UPDATE counters SET n = n + 1 WHERE id = :first;\nCOMMIT;"
    )
    spec = make_lab(toml, setup=setup, solution=ordered)
    check = grade(spec, body).checks[0]
    assert "deadlocked" in check.message and "40P01" in check.message
    assert "same order" in check.hint
    assert grade(spec, ordered).score == 1.0


def test_concurrency_write_skew_with_an_isolation_level_answer(make_lab):
    toml = """
id = "t-write-skew"
title = "t"
engine = "postgres"
time_limit = 10
[[checks]]
type = "concurrency"
answer = "isolation"
anomaly = "write skew"
invariant = "SELECT count(*) FROM doctors WHERE on_call"
expect = [[1]]
script = [
  { session = "A", sql = "BEGIN ISOLATION LEVEL {{answer}}" },
  { session = "B", sql = "BEGIN ISOLATION LEVEL {{answer}}" },
  { session = "A", sql = "SELECT count(*) AS n FROM doctors WHERE on_call \\\\gset" },
  { session = "B", sql = "SELECT count(*) AS n FROM doctors WHERE on_call \\\\gset" },
  { session = "A", sql = "UPDATE doctors SET on_call = false WHERE name = 'alice' AND :n > 1" },
  { session = "B", sql = "UPDATE doctors SET on_call = false WHERE name = 'bob' AND :n > 1" },
  { session = "A", sql = "COMMIT" },
  { session = "B", sql = "COMMIT" },
]
"""
    setup = (
        "CREATE TABLE doctors (name text PRIMARY KEY, on_call bool);"
        "INSERT INTO doctors VALUES ('alice', true), ('bob', true);"
    )
    spec = make_lab(toml, setup=setup, solution="SERIALIZABLE")
    assert grade(spec, "SERIALIZABLE").score == 1.0
    skew = grade(spec, "REPEATABLE READ").checks[0]
    assert "returned 0, expected 1: a write skew" in skew.message
    unclear = grade(spec, "the strict one").checks[0]
    assert "should name a transaction isolation level" in unclear.message


def test_transaction_control_around_a_query_is_ignored_and_cannot_escape_the_rollback(pg_lab):
    spec = pg_lab("pg-result")
    solution = spec.solution_path.read_text()
    assert grade(spec, f"BEGIN;\n{solution}\nCOMMIT;").score == 1.0
    escaped = grade(spec, "COMMIT; DELETE FROM orders; BEGIN; " + solution).checks[0]
    assert "4 expected rows missing" in escaped.message  # the DELETE stayed inside the rolled-back transaction
    assert grade(spec, solution).score == 1.0
