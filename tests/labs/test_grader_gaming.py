"""Issue 8, part 5: answers that game a Postgres check get a clear verdict below 1.0.

Each attack runs through the real runtime (``labs.runner.grade`` on real sandboxes)."""

from __future__ import annotations

import pytest

from labs.result import GRADED
from labs.runner import grade
from labs.sandbox import postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")

RACY = """
BEGIN;
SELECT pg_sleep(CASE WHEN :amount = 20 THEN {sleep} ELSE 0 END);
SELECT balance FROM accounts WHERE id = 1 \\gset
UPDATE accounts SET balance = :balance - :amount WHERE id = 1;
COMMIT;
"""


def _concurrency_lab(make_lab, pg_lab, time_limit: int):
    fixture = pg_lab("pg-concurrency")
    toml = (fixture.root / "lab.toml").read_text().replace("time_limit = 15", f"time_limit = {time_limit}")
    return make_lab(
        toml, setup=(fixture.root / "setup.sql").read_text(), solution=(fixture.root / "solution.sql").read_text()
    )


def test_a_sleep_that_serialises_a_racy_answer_does_not_pass(pg_lab):
    # B sleeps past the scheduler's slow-step limit, so A used to run its whole transaction
    # alone: the lost update never happened. The replay keeps the planned order.
    result = grade(pg_lab("pg-concurrency"), RACY.format(sleep=2.5))
    check = result.checks[0]
    assert result.status == GRADED and result.score < 1.0, check
    assert "lost update" in check.message
    assert "replayed" in check.artifacts


def test_sessions_that_never_overlap_fail_with_that_reason(make_lab, pg_lab):
    spec = _concurrency_lab(make_lab, pg_lab, time_limit=9)
    result = grade(spec, RACY.format(sleep=5))
    check = result.checks[0]
    assert result.status == GRADED and result.score < 1.0, check
    assert "Your sessions never overlapped" in check.message
    assert "pg_sleep" in check.message and "sleeps" in check.hint


def test_the_solution_still_passes_the_concurrency_check(pg_lab):
    spec = pg_lab("pg-concurrency")
    result = grade(spec, (spec.root / "solution.sql").read_text())
    assert result.score == 1.0, result.checks[0].message
    assert "replayed" not in result.checks[0].artifacts


def test_grader_variables_are_not_visible_to_learner_code(pg_lab):
    # :session is the grader's; an answer branching on it would know which session it is
    answer = """
BEGIN;
UPDATE accounts SET balance = balance - CASE WHEN :'session' = 'A' THEN 10 ELSE 20 END WHERE id = 1;
COMMIT;
"""
    result = grade(pg_lab("pg-concurrency"), answer)
    check = result.checks[0]
    assert result.status == GRADED and result.score < 1.0, check
    assert "syntax error" in check.message


def test_a_lab_steps_gset_stays_with_the_grader(make_lab):
    spec = make_lab(
        """
id = "gaming-gset"
title = "t"
engine = "postgres"
topology = "database"
time_limit = 10

[[checks]]
type = "concurrency"
sessions = ["A"]
script = [
    { session = "A", sql = "SELECT 70 AS expected_balance \\\\gset" },
    { session = "A", sql = "{{answer}}" },
]
invariant = "SELECT balance FROM accounts WHERE id = 1"
expect = [[70]]
""",
        setup="CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 100);",
        solution="UPDATE accounts SET balance = balance - 30 WHERE id = 1;",
    )
    assert grade(spec, "UPDATE accounts SET balance = balance - 30 WHERE id = 1;").score == 1.0
    result = grade(spec, "UPDATE accounts SET balance = :expected_balance WHERE id = 1;")
    assert result.status == GRADED and result.score < 1.0, result.checks[0]
    assert "syntax error" in result.checks[0].message


@pytest.mark.parametrize("value", ["'Infinity'::numeric", "'NaN'::numeric", "'-Infinity'::float8", "'Infinity'"])
def test_non_finite_numbers_never_equal_finite_ones(make_lab, value):
    spec = make_lab(
        """
id = "gaming-infinity"
title = "t"
engine = "postgres"
topology = "database"
time_limit = 10

[[checks]]
type = "result"
""",
        setup="CREATE TABLE sales (amount numeric); INSERT INTO sales VALUES (5), (7.5);",
        solution="SELECT sum(amount) AS total FROM sales;",
    )
    result = grade(spec, f"SELECT {value}::numeric AS total;")
    assert result.status == GRADED and result.score == 0.0, result.checks[0]
    assert "12.5" in result.checks[0].message or "differ" in result.checks[0].message


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ("DELETE FROM orders WHERE id % 10 <> 0;", "orders has 20,000 rows where the lab's data has 200,000"),
        ("UPDATE orders SET amount = 0 WHERE id % 2 = 0;", "rows of orders were changed"),
        (
            "CREATE TABLE o2 AS SELECT * FROM orders WHERE id <= 1000; DROP TABLE orders; "
            "ALTER TABLE o2 RENAME TO orders;",
            "orders was dropped, re-created",
        ),
    ],
)
def test_plan_checks_run_only_on_intact_data(pg_lab, change, phrase):
    spec = pg_lab("pg-plan")
    result = grade(spec, change + "\nCREATE INDEX ON orders (customer_id);")
    plan = result.checks[0]
    assert result.status == GRADED and result.score < 1.0, plan
    assert not plan.passed and "The lab's data changed" in plan.message, plan.message
    assert phrase in plan.message


def test_read_only_defaults_do_not_make_probes_refused(pg_lab):
    spec = pg_lab("pg-schema")
    # a plain ALTER ROLE is refused up front; assembled inside DO it reaches the server
    sneaky = "DO $$ BEGIN EXECUTE 'ALTER ' || 'ROLE learner SET default_transaction_read_only = on'; END $$;\n"
    wrong = grade(spec, (spec.root / "wrong/no_check.sql").read_text() + sneaky)
    assert wrong.status == GRADED and wrong.score < 1.0
    probes = wrong.checks[1]
    assert "quantity must be positive" in probes.message, probes.message
    # and valid rows are still accepted: the solution with the same setting passes
    right = grade(spec, (spec.root / "solution.sql").read_text() + sneaky)
    assert right.score == 1.0, [c.message for c in right.checks]


TRIGGER = """
CREATE SEQUENCE refusals;
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body}
    RETURN NEW;
END $$;
CREATE TRIGGER refuse BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse();
"""


@pytest.mark.parametrize(
    "body",
    [
        # a rule enforced by a trigger that pretends to be the CHECK constraint
        "IF NEW.quantity <= 0 THEN RAISE EXCEPTION 'no' USING ERRCODE = 'check_violation', "
        "CONSTRAINT = 'orders_quantity_check'; END IF;",
        # refuses the first few probes, whatever they are
        "IF nextval('refusals') <= 3 THEN RAISE EXCEPTION 'busy'; END IF;",
    ],
)
def test_a_trigger_that_refuses_probes_is_not_a_constraint(pg_lab, body):
    spec = pg_lab("pg-schema")
    answer = (spec.root / "wrong/no_check.sql").read_text() + TRIGGER.format(body=body)
    result = grade(spec, answer)
    assert result.status == GRADED and result.score < 1.0
    probes = result.checks[1]
    assert not probes.passed
    assert "should have been refused" in probes.message or "should work" in probes.message, probes.message


SESSION_MEMORY = """
CREATE FUNCTION remember_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a session-level advisory lock outlives the probe's rollback: it marks a session reused
    IF EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = 4242) THEN
        RAISE EXCEPTION 'this session ran a probe before' USING ERRCODE = 'check_violation';
    END IF;
    PERFORM pg_advisory_lock(4242);
    RETURN NEW;
END $$;
CREATE TRIGGER remember_session BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION remember_session();
"""


def test_each_probe_starts_in_a_session_as_good_as_new(pg_lab):
    # The probes share one connection (a new one per probe was half the grading time); what
    # survives a rollback, such as a session advisory lock, must not reach the next probe.
    spec = pg_lab("pg-schema")
    right = grade(spec, (spec.root / "solution.sql").read_text() + SESSION_MEMORY)
    assert right.score == 1.0, [c.message for c in right.checks]
    # and a wrong answer cannot use a reused session to fake refusals
    wrong = grade(spec, (spec.root / "wrong/no_check.sql").read_text() + SESSION_MEMORY)
    assert wrong.status == GRADED and wrong.score < 1.0
