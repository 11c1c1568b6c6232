"""Issue 9 for the PostgreSQL query labs: right answers in other styles pass, wrong ones are
caught by a check that names the real mistake, and psql's \\gset behaves as psql's does.

Every test grades through the real runtime (``labs.runner.grade`` on real sandboxes), with
the course's own labs where they are quick to build and small made-up labs otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labs.result import GRADED
from labs.runner import grade
from labs.sandbox import postgres
from labs.spec import load_spec

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")

LABS = Path(__file__).resolve().parents[2] / "curriculum" / "labs"

RESULT_LAB = """
id = "trust-result"
title = "t"
engine = "postgres"
topology = "readonly"
time_limit = 10

[[checks]]
type = "result"
name = "rows"
"""
SETUP = """
CREATE TABLE sales (id int PRIMARY KEY, region text, cents int);
INSERT INTO sales SELECT g, (ARRAY['north', 'south', 'east', 'west', 'up', 'down'])[1 + g % 6], g * 137
FROM generate_series(1, 60) AS g;
"""
SOLUTION = "SELECT region, sum(cents) / 100.0 AS revenue FROM sales GROUP BY region ORDER BY region;"


def _lab(name: str):
    return load_spec(LABS / name)


def _answer(lab: str, kind: str, name: str) -> str:
    return (LABS / lab / kind / name).read_text(encoding="utf-8")


def _failed(result) -> list:
    return [check for check in result.checks if not check.passed]


# --------------------------------------------------------------------------- result: type vs value


def test_a_value_that_differs_only_in_type_is_reported_as_a_type_difference(make_lab):
    spec = make_lab(RESULT_LAB, setup=SETUP, solution=SOLUTION)
    answer = (
        "SELECT region, to_char(sum(cents) / 100.0, 'FM999990.00') AS revenue "
        "FROM sales GROUP BY region ORDER BY region;"
    )
    check = grade(spec, answer).checks[0]
    assert not check.passed
    assert "holds text where the expected result has numbers" in check.message, check.message
    assert "only their type differs" in check.message
    assert "missing" not in check.message and "should not be there" not in check.message


def test_a_type_difference_with_other_values_says_both(make_lab):
    spec = make_lab(RESULT_LAB, setup=SETUP, solution=SOLUTION)
    answer = "SELECT region, (sum(cents) / 100)::text AS revenue FROM sales GROUP BY region ORDER BY region;"
    check = grade(spec, answer).checks[0]
    assert not check.passed
    assert "holds text" in check.message and "some values differ as well" in check.message, check.message


def test_numbers_of_another_numeric_type_are_equal(make_lab):
    spec = make_lab(RESULT_LAB, setup=SETUP, solution=SOLUTION)
    answer = "SELECT region, (sum(cents) / 100.0)::float8 AS revenue FROM sales GROUP BY region ORDER BY region;"
    assert grade(spec, answer).score == 1.0


def test_a_failure_shows_only_a_few_expected_rows(make_lab):
    spec = make_lab(RESULT_LAB, setup=SETUP, solution=SOLUTION)
    check = grade(spec, "SELECT region, 0 AS revenue FROM sales GROUP BY region ORDER BY region;").checks[0]
    assert not check.passed
    preview = check.artifacts["expected_preview"]
    assert len(preview["rows"]) <= 3 and preview["row_count"] == 6 and preview["truncated"]


def test_the_leaderboard_lab_refuses_formatted_revenue_with_a_type_message():
    result = grade(_lab("sql-top-customers"), _answer("sql-top-customers", "wrong", "revenue_as_text.sql"))
    (check,) = _failed(result)
    assert "Column 5 (revenue) holds text" in check.message, check.message


def test_the_leaderboard_hint_does_not_spell_out_the_solution():
    hint = _lab("sql-top-customers").checks[0].params["hint"]
    assert "rank()" not in hint and "outer query" not in hint


# --------------------------------------------------------------------------- psql's \gset


GSET_LAB = RESULT_LAB.replace("trust-result", "trust-gset")


def test_gset_stores_a_boolean_as_psql_prints_it(make_lab):
    spec = make_lab(GSET_LAB, setup=SETUP, solution="SELECT 't' AS shown, 'f' AS other;")
    answer = "SELECT 1 < 2 AS yes, 1 > 2 AS no \\gset\nSELECT :'yes' AS shown, :'no' AS other;"
    result = grade(spec, answer)
    assert result.score == 1.0, result.checks[0].message


def test_an_unquoted_gset_boolean_fails_as_it_does_in_psql(make_lab):
    # psql substitutes t, so "WHERE :ok" is "WHERE t": a column that does not exist
    spec = make_lab(GSET_LAB, setup=SETUP, solution="SELECT count(*) FROM sales;")
    answer = "SELECT true AS ok \\gset\nSELECT count(*) FROM sales WHERE :ok;"
    check = grade(spec, answer).checks[0]
    assert not check.passed and 'column "t" does not exist' in check.message, check.message


def test_gset_of_a_null_unsets_the_variable_as_psql_does(make_lab):
    spec = make_lab(GSET_LAB, setup=SETUP, solution="SELECT 1 AS n;")
    answer = "SELECT 1 AS n \\gset\nSELECT NULL::int AS n \\gset\nSELECT :n AS n;"
    check = grade(spec, answer).checks[0]
    assert not check.passed and "syntax error" in check.message, check.message


def test_gset_without_a_row_says_what_psql_says(make_lab):
    spec = make_lab(GSET_LAB, setup=SETUP, solution="SELECT 1 AS n;")
    check = grade(spec, "SELECT id FROM sales WHERE id < 0 \\gset\nSELECT 1 AS n;").checks[0]
    assert not check.passed and "no rows returned for \\gset" in check.message, check.message


# --------------------------------------------------------------------------- schema: behaviour, not spelling


@pytest.mark.parametrize(
    "name",
    [
        "lower_email_unique_index.sql",  # unique on lower(email) is unique on email
        "check_is_not_null.sql",  # CHECK (col IS NOT NULL) is NOT NULL
        "status_lookup_table.sql",  # the allowed statuses as a referenced table
        "reversed_key_deferrable.sql",  # deferred foreign keys are checked as COMMIT would
    ],
)
def test_schema_designs_that_meet_the_rules_pass(name):
    result = grade(_lab("schema-ecommerce"), _answer("schema-ecommerce", "right", name))
    assert result.score == 1.0, [c.message for c in _failed(result)]


def test_a_schema_admitting_an_extra_status_fails_and_names_the_value():
    result = grade(_lab("schema-ecommerce"), _answer("schema-ecommerce", "wrong", "extra_status.sql"))
    (check,) = _failed(result)
    assert check.name == "bad writes are refused"
    assert "'refunded'" in check.message and "succeeded" in check.message, check.message


def test_a_schema_refusing_a_legal_price_fails_and_names_the_price():
    result = grade(_lab("schema-ecommerce"), _answer("schema-ecommerce", "wrong", "price_capped.sql"))
    (check,) = _failed(result)
    assert check.name == "good writes are accepted"
    assert "'25000.00'" in check.message and "check constraint" in check.message, check.message


def test_a_nullable_column_is_not_reported_as_not_null_when_a_check_forbids_null():
    answer = _answer("schema-ecommerce", "right", "check_is_not_null.sql")
    result = grade(_lab("schema-ecommerce"), answer)
    assert not any("must be NOT NULL" in c.message for c in result.checks)


# --------------------------------------------------------------------------- concurrency


def test_a_checkout_that_hard_codes_the_product_fails_on_another_product():
    result = grade(_lab("isolation-lost-update"), _answer("isolation-lost-update", "wrong", "hard_coded_sku.sql"))
    failed = _failed(result)
    assert result.status == GRADED and failed
    assert all(c.message.startswith("With other values (") for c in failed), [c.message for c in failed]
    assert "sku=MS-210" in failed[0].message


def test_a_checkout_that_changes_other_products_fails():
    answer = _answer("isolation-lost-update", "wrong", "missing_sku_filter.sql")
    check = _failed(grade(_lab("isolation-lost-update"), answer))[0]
    assert "rows that differ: (MS-210, 117" in check.message, check.message


def test_nowait_is_not_called_a_lock_timeout():
    check = _failed(grade(_lab("isolation-lost-update"), _answer("isolation-lost-update", "wrong", "nowait.sql")))[0]
    assert "55P03" in check.message and "failed at once" in check.message, check.message
    assert "lock timeout" not in check.message


def test_a_gset_boolean_compared_as_psql_text_passes_the_concurrency_lab():
    answer = _answer("isolation-lost-update", "right", "gset_boolean_flag.sql")
    result = grade(_lab("isolation-lost-update"), answer)
    assert result.score == 1.0, [c.message for c in _failed(result)]
    assert "It held again with other values" in result.checks[0].message


def test_the_concurrency_hint_does_not_spell_out_the_fixes():
    spec = _lab("isolation-lost-update")
    for check in spec.checks:
        assert "FOR UPDATE" not in check.params["hint"] and "ISOLATION LEVEL" not in check.params["hint"]
