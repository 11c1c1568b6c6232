"""SQL text helpers and row comparison: pure functions, no server needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from labs.checks.result import Options, compare
from labs.sandbox.pg_sql import (
    ScriptError,
    find_forbidden,
    has_top_level_order_by,
    split_statements,
    substitute_variables,
)
from labs.sandbox.postgres import Rows


def test_split_keeps_semicolons_inside_quotes_dollar_quotes_and_comments():
    script = """
        -- a comment; with a semicolon
        INSERT INTO t VALUES ('a;b', E'it\\'s; fine');
        CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
        /* block; /* nested; */ still comment */ SELECT "odd;name" FROM t;
    """
    statements = split_statements(script)
    assert [s.first_word for s in statements] == ["INSERT", "CREATE", "SELECT"]
    assert "'a;b'" in statements[0].text
    assert statements[1].text.endswith("LANGUAGE sql")
    assert [s.index for s in statements] == [1, 2, 3]


def test_split_drops_empty_statements_and_reads_gset():
    statements = split_statements(";; SELECT balance FROM accounts WHERE id = 1 \\gset acct_\n  ; -- nothing\n")
    assert len(statements) == 1
    assert statements[0].gset == "acct_"
    assert statements[0].text == "SELECT balance FROM accounts WHERE id = 1"


def test_split_refuses_psql_meta_commands_with_a_clear_message():
    with pytest.raises(ScriptError, match=r"meta-command \\d cannot run here"):
        split_statements("\\d orders\nSELECT 1;")


def test_variables_are_substituted_outside_literals_only_and_casts_survive():
    text = "SELECT :balance::int - :amount, ':amount', :'who', :\"col\", :undefined"
    out = substitute_variables(text, {"balance": "100", "amount": "10", "who": "O'Hara", "col": "a b"})
    assert out == "SELECT 100::int - 10, ':amount', 'O''Hara', \"a b\", :undefined"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t ORDER BY id", True),
        ("SELECT * FROM t order\n  by id;", True),
        ("SELECT rank() OVER (ORDER BY total) FROM t", False),
        ("SELECT * FROM (SELECT * FROM t ORDER BY id) s", False),
        ("SELECT 'ORDER BY' FROM t -- ORDER BY id", False),
        ("CREATE VIEW v AS SELECT 1; SELECT * FROM t ORDER BY 1", True),
    ],
)
def test_top_level_order_by_is_found_only_outside_parentheses_and_literals(sql, expected):
    assert has_top_level_order_by(sql) is expected


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "copy t from '/etc/passwd'",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT \"pg_read_file\"('/etc/passwd')",
        "SELECT pg_catalog.pg_ls_dir('.')",
        "ALTER SYSTEM SET fsync = off",
        "CREATE EXTENSION IF NOT EXISTS dblink",
        "SET ROLE sandbox_admin",
        "set session authorization sandbox_admin",
        "SELECT lo_import('/etc/passwd')",
        "SELECT * FROM dblink('host=x', 'select 1') AS t(a int)",
        "ALTER ROLE learner SET work_mem = '1GB'",
        "DO $$ BEGIN EXECUTE 'SET ROLE x'; END $$",
        "CREATE DATABASE mine",
    ],
)
def test_forbidden_commands_are_named_in_a_learner_message(sql):
    message = find_forbidden(split_statements(sql))
    assert message is not None
    assert message.startswith("Statement 1 (")
    assert "not allowed in the sandbox" in message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'COPY x TO PROGRAM' AS joke",
        "SELECT dblink_id FROM links",
        "RESET ROLE",
        "SELECT * FROM roles WHERE name = 'SET ROLE'",
        "CREATE INDEX ON orders (customer_id)",
    ],
)
def test_harmless_sql_that_mentions_forbidden_words_is_not_refused(sql):
    assert find_forbidden(split_statements(sql)) is None


def _rows(*rows, columns=("a", "b")):
    return Rows(list(columns), [tuple(r) for r in rows])


UNORDERED = Options(ordered=False, ignore_column_names=True, ignore_column_order=False, tolerance=1e-6)


def test_unordered_comparison_ignores_row_order_but_not_duplicates():
    want = _rows((1, "x"), (2, "y"), (2, "y"))
    assert compare(_rows((2, "y"), (1, "x"), (2, "y")), want, UNORDERED).ok
    verdict = compare(_rows((2, "y"), (1, "x")), want, UNORDERED)
    assert not verdict.ok
    assert "1 expected row missing, e.g. (2, y)" in verdict.message


def test_nulls_match_only_nulls():
    assert compare(_rows((None, "x")), _rows((None, "x")), UNORDERED).ok
    verdict = compare(_rows((0, "x")), _rows((None, "x")), UNORDERED)
    assert not verdict.ok
    assert "(NULL, x)" in verdict.message


def test_numbers_compare_across_types_within_the_tolerance():
    assert compare(_rows((Decimal("0.30"), "x")), _rows((0.1 + 0.2, "x")), UNORDERED).ok
    assert compare(_rows((1, "x")), _rows((Decimal("1.000"), "x")), UNORDERED).ok
    assert not compare(_rows((1.001, "x")), _rows((1, "x")), UNORDERED).ok
    loose = Options(ordered=False, ignore_column_names=True, ignore_column_order=False, tolerance=1e-2)
    assert compare(_rows((1.001, "x")), _rows((1, "x")), loose).ok


def test_ordered_comparison_reports_the_first_misplaced_row():
    ordered = Options(ordered=True, ignore_column_names=True, ignore_column_order=False, tolerance=1e-6)
    verdict = compare(_rows((2, "y"), (1, "x")), _rows((1, "x"), (2, "y")), ordered)
    assert not verdict.ok
    assert verdict.kind == "order"
    assert "row 1 is (2, y), expected (1, x)" in verdict.message


def test_column_names_and_order_options():
    named = Options(ordered=False, ignore_column_names=False, ignore_column_order=False, tolerance=1e-6)
    verdict = compare(_rows((1, "x"), columns=("id", "label")), _rows((1, "x"), columns=("id", "name")), named)
    assert not verdict.ok and "named (id, label); expected (id, name)" in verdict.message
    swapped = _rows(("x", 1), columns=("name", "id"))
    want = _rows((1, "x"), columns=("id", "name"))
    assert not compare(swapped, want, named).ok
    by_name = Options(ordered=False, ignore_column_names=False, ignore_column_order=True, tolerance=1e-6)
    assert compare(swapped, want, by_name).ok
    by_values = Options(ordered=False, ignore_column_names=True, ignore_column_order=True, tolerance=1e-6)
    assert compare(_rows(("x", 1), columns=("p", "q")), want, by_values).ok


def test_a_truncated_result_never_matches_a_complete_one():
    mine = Rows(["n"], [(i,) for i in range(10)], truncated=True)
    verdict = compare(mine, Rows(["n"], [(1,)]), UNORDERED)
    assert not verdict.ok and "more than 10 rows" in verdict.message
