"""The Cassandra data-model engine (``cql-model``): CQL table definitions read as Cassandra reads
them, and the ``access_pattern`` check's verdicts on a learner's key design. No server runs:
these tests grade real answers through ``labs.runner.grade`` as the site does."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from labs.engines.cql_model.schema import SchemaError, parse_schema
from labs.result import REJECTED
from labs.runner import grade
from labs.spec import load_spec

EXERCISES = Path(__file__).resolve().parents[2] / "curriculum" / "exercises" / "nosql"
ORDERS = EXERCISES / "cassandra-orders-query-first"
SENSORS = EXERCISES / "cassandra-sensor-buckets"


def messages(result) -> dict[str, str]:
    return {c.name.split(":")[0]: c.message for c in result.checks if not c.passed}


def test_keys_clustering_order_and_options_are_read_like_cassandra():
    schema = parse_schema(
        textwrap.dedent(
            """
            CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
            -- a comment; and /* another */
            CREATE TABLE IF NOT EXISTS shop."Views" (
              sku text, Day date, viewed_at timestamp, session_id uuid, tags set<text>,
              meta map<text, frozen<list<int>>>,
              owner text STATIC,
              PRIMARY KEY ((sku, day), viewed_at, session_id)
            ) WITH CLUSTERING ORDER BY (viewed_at DESC) AND compaction = {'class': 'LeveledCompactionStrategy'}
              AND comment = 'it''s fine';
            CREATE TABLE users (id uuid PRIMARY KEY, email text);
            CREATE INDEX ON users (email);
            SELECT * FROM users WHERE id = 1;
            """
        )
    )
    views = schema.tables["Views"]
    assert views.partition_key == ["sku", "day"]
    assert views.clustering == [("viewed_at", "DESC"), ("session_id", "ASC")]
    assert views.static == {"owner"} and views.columns["meta"] == "map<text,frozen<list<int>>>"
    assert schema.tables["users"].partition_key == ["id"] and schema.tables["users"].clustering == []
    assert schema.indexes == [("users", "email")]
    assert views.describe_key() == "PRIMARY KEY ((sku, day), viewed_at DESC, session_id)"


@pytest.mark.parametrize(
    ("cql", "problem"),
    [
        ("CREATE TABLE t (a text, PRIMARY KEY ((a), b))", "names b, which is not a column"),
        ("CREATE TABLE t (a text, b int, c int, PRIMARY KEY (a, b, c)) WITH CLUSTERING ORDER BY (c DESC, b ASC)",
         "in their key order"),
        ("CREATE TABLE t (a text, b int, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (a DESC)",
         "not a clustering column"),
        ("CREATE TABLE t (a text PRIMARY KEY, b int STATIC)", "no clustering columns"),
        ("CREATE TABLE t (a list<text>, b int, PRIMARY KEY (a, b))", "cannot be part of a PRIMARY KEY"),
        ("CREATE TABLE t (a text, b int)", "has no PRIMARY KEY"),
        ("CREATE TABLE t (a text PRIMARY KEY, b txt)", "did you mean text"),
        ("CREATE MATERIALIZED VIEW v AS SELECT * FROM t WHERE a IS NOT NULL PRIMARY KEY (a)", "materialized views"),
        ("SELECT * FROM t", "no CREATE TABLE"),
        ("CREATE TABLE t (a text PRIMARY KEY); CREATE TABLE T (a text PRIMARY KEY)", "created twice"),
    ],
)  # fmt: skip
def test_what_cassandra_refuses_is_refused_with_the_reason(cql, problem):
    with pytest.raises(SchemaError, match=problem):
        parse_schema(cql)


def test_a_refused_statement_rejects_the_answer_and_says_no_server_ran():
    result = grade(load_spec(ORDERS), "CREATE TABLE orders (id text, PRIMARY KEY ((id), created_at));")
    assert result.status == REJECTED and result.score == 0
    assert "line 1" in result.message and "created_at, which is not a column" in result.message
    assert "no Cassandra server" in result.message


def test_reference_designs_pass_and_say_how_the_query_is_served():
    for folder in (ORDERS, SENSORS):
        spec = load_spec(folder)
        assert spec.engine == "cql-model" and spec.kind == "exercise"
        result = grade(spec, spec.solution_path.read_text())
        assert result.score == 1.0, messages(result)
        assert all("from one partition" in c.message and "no Cassandra server" in c.message for c in result.checks)


def test_a_relational_design_with_secondary_indexes_serves_no_query():
    answer = """
        CREATE TABLE orders (order_id text PRIMARY KEY, customer_id text, created_at timestamp,
                             status text, total decimal);
        CREATE INDEX ON orders (customer_id);
        CREATE TABLE order_items (order_id text, sku text, qty int, unit_price decimal, PRIMARY KEY (order_id, sku));
    """
    found = messages(grade(load_spec(ORDERS), answer))
    assert set(found) == {"Q1", "Q3"}  # Q2 is served by order_items
    assert "ALLOW FILTERING or a secondary index" in found["Q1"]
    assert "CREATE INDEX on customer_id does not count" in found["Q1"]


def test_a_time_column_in_the_partition_key_and_a_key_that_is_not_unique_are_caught():
    spec = load_spec(ORDERS)
    base = (ORDERS / "solution.cql").read_text()
    too_fine = base.replace(
        "PRIMARY KEY ((customer_id), created_at, order_id)", "PRIMARY KEY ((customer_id, created_at), order_id)"
    )
    found = messages(grade(spec, too_fine.replace("WITH CLUSTERING ORDER BY (created_at DESC, order_id ASC);", ";", 1)))
    assert list(found) == ["Q1"] and "partition key columns accept only equality" in found["Q1"]

    not_unique = base.replace(
        "PRIMARY KEY ((customer_id), created_at, order_id)", "PRIMARY KEY ((customer_id), created_at)"
    )
    found = messages(grade(spec, not_unique.replace("(created_at DESC, order_id ASC)", "(created_at DESC)", 1)))
    assert list(found) == ["Q1"] and "second INSERT silently overwrites the first" in found["Q1"]


def test_a_partition_without_a_time_bucket_is_unbounded():
    answer = """
        CREATE TABLE r (sensor_id text, day date, ts timestamp, value double,
                        PRIMARY KEY ((sensor_id), day, ts)) WITH CLUSTERING ORDER BY (day DESC, ts DESC);
        CREATE TABLE l (site_id text, sensor_id text, ts timestamp, value double, PRIMARY KEY (site_id, sensor_id));
    """
    found = messages(grade(load_spec(SENSORS), answer))
    assert list(found) == ["Q1"] and "grows without bound" in found["Q1"]


def test_rows_stored_in_reverse_are_fine_but_mixed_directions_are_not(tmp_path):
    lab = tmp_path / "feed"
    lab.mkdir()
    (lab / "lab.toml").write_text(
        textwrap.dedent(
            """
            id = "feed"
            title = "feed"
            engine = "cql-model"
            time_limit = 5
            [[checks]]
            type = "access_pattern"
            name = "a user's posts, newest first, then by id"
            equals = ["user_id"]
            order = ["day DESC", "post_id DESC"]
            returns = ["body"]
            """
        )
    )
    table = "CREATE TABLE p (user_id text, day date, post_id int, body text, PRIMARY KEY (user_id, day, post_id))"
    (lab / "solution.cql").write_text(table + " WITH CLUSTERING ORDER BY (day DESC, post_id DESC);")
    spec = load_spec(lab)
    assert grade(spec, table + ";").score == 1.0  # all ascending: read backwards
    mixed = grade(spec, table + " WITH CLUSTERING ORDER BY (day DESC, post_id ASC);")
    assert mixed.score == 0 and "not in a mix of both" in mixed.checks[0].message
