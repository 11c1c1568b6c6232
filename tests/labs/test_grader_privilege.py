"""Issue 8, part 1: nothing a learner makes ever runs with the grader's privilege.

For each Postgres check family the course uses, the answer first creates objects that shadow
every catalog function, operator and relation name the grader uses (and triggers, rules and
an expression index on the learner's tables). Each shadow, if it ever runs as any role other
than ``learner``, writes a marker file with a server-side COPY (only a privileged role can).
The real grader then runs through ``labs.runner.grade``; the verdict must arrive as usual and
no marker may exist. Operational labs (archive, standby, shards) take runbooks, whose
vocabulary creates no SQL object, so there is nothing of the learner's there to shadow.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import psycopg
import pytest

from labs.result import GRADED
from labs.runner import grade
from labs.sandbox import postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")


@pytest.fixture
def marker_dir():
    # world-writable: the sandbox server may run as another OS user than the tests
    path = Path(f"/tmp/indexed-privilege-{os.getpid()}-{secrets.token_hex(3)}")
    path.mkdir(mode=0o1777)
    os.chmod(path, 0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def shadows(marker: Path, owns_table: str | None = None) -> str:
    """SQL (as the learner) that shadows the names the Postgres graders use."""
    mark = f"""
CREATE FUNCTION public.indexed_mark(what text) RETURNS void LANGUAGE plpgsql AS $m$
BEGIN
    IF current_user <> 'learner' THEN
        EXECUTE pg_catalog.format('COPY (SELECT %L, %L) TO %L', current_user, what, '{marker}/' || what);
    END IF;
END $m$;
"""
    functions = [
        ("pg_blocking_pids", "smallint", "integer[]", "ARRAY[]::integer[]"),
        ("pg_blocking_pids", "integer", "integer[]", "ARRAY[]::integer[]"),
        ("pg_safe_snapshot_blocking_pids", "smallint", "integer[]", "ARRAY[]::integer[]"),
        ("pg_safe_snapshot_blocking_pids", "integer", "integer[]", "ARRAY[]::integer[]"),
        ("array_cat", "integer[], integer[]", "integer[]", "ARRAY[]::integer[]"),
        ("format_type", "oid, integer", "text", "'x'"),
        ("pg_get_constraintdef", "oid", "text", "'x'"),
        ("hashtextextended", "text, bigint", "bigint", "0"),
        ("to_regclass", "text", "regclass", "NULL"),
        ("pg_current_wal_lsn", "", "pg_lsn", "NULL"),
        ("current_setting", "text", "text", "'x'"),
    ]
    sql = [mark]
    for i, (name, args, returns, value) in enumerate(functions):
        sql.append(
            f"CREATE FUNCTION public.{name}({args}) RETURNS {returns} LANGUAGE plpgsql AS $f$ "
            f"BEGIN PERFORM public.indexed_mark('{name}_{i}'); RETURN {value}; END $f$;"
        )
    for i, (left, right) in enumerate(
        [
            ("oid", "oid"),
            ("name", "name"),
            ("text", "text"),
            ("integer", "integer"),
            ("smallint", "smallint"),
            ("smallint", "integer"),
            ("regclass", "regclass"),
            ('"char"', '"char"'),
            ("name", "text"),
        ]
    ):
        sql.append(
            f"CREATE FUNCTION public.indexed_eq_{i}({left}, {right}) RETURNS boolean LANGUAGE plpgsql AS $f$ "
            f"BEGIN PERFORM public.indexed_mark('operator_eq_{i}'); RETURN false; END $f$;"
        )
        sql.append(
            f"CREATE OPERATOR public.= (LEFTARG = {left}, RIGHTARG = {right}, FUNCTION = public.indexed_eq_{i});"
        )
        sql.append(
            f"CREATE OPERATOR public.<> (LEFTARG = {left}, RIGHTARG = {right}, FUNCTION = public.indexed_eq_{i});"
        )
    sql.append(
        "CREATE FUNCTION public.indexed_sum_step(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS $f$ "
        "BEGIN PERFORM public.indexed_mark('aggregate_sum'); RETURN 0; END $f$;"
    )
    sql.append("CREATE AGGREGATE public.sum(bigint) (SFUNC = public.indexed_sum_step, STYPE = bigint);")
    sql.append(
        "CREATE FUNCTION public.indexed_count_step(bigint) RETURNS bigint LANGUAGE plpgsql AS $f$ "
        "BEGIN PERFORM public.indexed_mark('aggregate_count'); RETURN 0; END $f$;"
    )
    # pg_attribute has an anyarray column a view cannot carry
    columns = {"pg_attribute": "attrelid, attname, attnum, attnotnull, attisdropped, atttypid, atttypmod"}
    sql.append("CREATE AGGREGATE public.count(*) (SFUNC = public.indexed_count_step, STYPE = bigint, INITCOND = '0');")
    for view in (
        "pg_class",
        "pg_index",
        "pg_namespace",
        "pg_attribute",
        "pg_constraint",
        "pg_roles",
        "pg_db_role_setting",
        "pg_database",
        "pg_stat_replication",
        "pg_replication_slots",
    ):
        sql.append(
            f"CREATE VIEW public.{view} AS SELECT {columns.get(view, '*')} FROM pg_catalog.{view} "
            f"WHERE (SELECT true FROM (SELECT public.indexed_mark('view_{view}')) AS m);"
        )
    sql.append(
        "CREATE FUNCTION public.indexed_trigger() RETURNS trigger LANGUAGE plpgsql AS $f$ "
        "BEGIN PERFORM public.indexed_mark('trigger_' || TG_TABLE_NAME); RETURN NULL; END $f$;"
    )
    if owns_table:
        sql += [
            f"CREATE TRIGGER indexed_row AFTER INSERT OR UPDATE OR DELETE ON {owns_table} "
            "FOR EACH ROW EXECUTE FUNCTION public.indexed_trigger();",
            f"CREATE TRIGGER indexed_truncate AFTER TRUNCATE ON {owns_table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION public.indexed_trigger();",
            f"CREATE RULE indexed_rule AS ON UPDATE TO {owns_table} DO ALSO SELECT public.indexed_mark('rule');",
            # ANALYZE (run by the superuser) evaluates index expressions: as the table's owner
            "CREATE FUNCTION public.indexed_key(integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $f$ "
            "BEGIN PERFORM public.indexed_mark('index_expression'); RETURN $1; END $f$;",
            f"CREATE INDEX indexed_expression ON {owns_table} ((public.indexed_key(id)));",
        ]
    return "\n".join(sql) + "\n"


def assert_no_marker(marker: Path) -> None:
    found = sorted(p.name for p in marker.iterdir())
    assert not found, f"learner code ran with privilege: {found}"


def test_concurrency_monitor_never_calls_learner_functions(make_lab, marker_dir):
    # A runs the answer (shadows, then takes the row lock); B blocks on it, so the monitor
    # must ask who blocks B: the moment the exploit ran the learner's function.
    spec = make_lab(
        """
id = "privilege-concurrency"
title = "t"
engine = "postgres"
topology = "database"
time_limit = 30

[engine_options]
learner_owns_schema = true

[[checks]]
type = "concurrency"
sessions = ["A", "B"]
script = [
    { session = "A", sql = "{{answer}}" },
    { session = "B", sql = "UPDATE accounts SET balance = balance - 20 WHERE id = 1" },
    { session = "A", sql = "COMMIT" },
]
invariant = "SELECT balance FROM accounts WHERE id = 1"
expect = [[70]]
""",
        setup="CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 100);",
        solution="BEGIN; UPDATE accounts SET balance = balance - 10 WHERE id = 1;",
    )
    answer = shadows(marker_dir, "accounts") + "BEGIN;\nUPDATE accounts SET balance = balance - 10 WHERE id = 1;\n"
    result = grade(spec, answer)
    assert result.status == GRADED, result
    check = result.checks[0]
    assert check.passed, check
    assert any(e.get("event") == "waits" for e in check.artifacts["timeline"]), "B never blocked: monitor unused"
    assert_no_marker(marker_dir)


def test_plan_check_reads_catalogs_and_analyzes_without_running_learner_code(pg_lab, marker_dir):
    spec = pg_lab("pg-plan")
    answer = shadows(marker_dir, "orders") + (spec.root / "solution.sql").read_text()
    result = grade(spec, answer)
    assert result.status == GRADED, result
    assert result.checks[0].passed, result.checks[0]
    assert_no_marker(marker_dir)


def test_schema_check_catalog_reads_and_probes_never_run_learner_code_privileged(pg_lab, marker_dir):
    spec = pg_lab("pg-schema")
    answer = (spec.root / "solution.sql").read_text() + shadows(marker_dir, "orders")
    result = grade(spec, answer)
    assert result.status == GRADED, result
    assert result.score == 1.0, [c.message for c in result.checks]
    assert_no_marker(marker_dir)


def test_result_check_with_a_lab_query_never_runs_learner_code_privileged(make_lab, marker_dir):
    spec = make_lab(
        """
id = "privilege-result"
title = "t"
engine = "postgres"
topology = "database"
time_limit = 20

[[checks]]
type = "result"
query = "SELECT id, total FROM totals ORDER BY id"
""",
        setup="CREATE TABLE sales (id int, amount int); INSERT INTO sales VALUES (1, 5), (1, 6), (2, 7);",
        solution="CREATE VIEW totals AS SELECT id, sum(amount)::bigint AS total FROM sales GROUP BY id;",
    )
    answer = shadows(marker_dir) + "CREATE VIEW totals AS SELECT id, pg_catalog.sum(amount)::bigint AS total "
    answer += "FROM sales GROUP BY id;\n"
    result = grade(spec, answer)
    assert result.status == GRADED and result.score == 1.0, result
    assert_no_marker(marker_dir)


def test_the_learner_role_cannot_make_event_triggers_or_run_programs():
    """The objects that would fire on the grader's own DDL are out of the learner's reach."""
    instance = postgres.POOL.acquire()
    instance.execute("CREATE DATABASE indexed_priv_probe")
    try:
        instance.execute("GRANT CONNECT ON DATABASE indexed_priv_probe TO learner")
        with instance.connect("indexed_priv_probe", postgres.LEARNER_ROLE) as conn:
            conn.execute("CREATE FUNCTION pg_temp.f() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("CREATE EVENT TRIGGER indexed_evt ON ddl_command_start EXECUTE FUNCTION pg_temp.f()")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("COPY (SELECT 1) TO PROGRAM 'true'")
    finally:
        instance.execute("DROP DATABASE indexed_priv_probe WITH (FORCE)")
        postgres.POOL.release(instance, reusable=True)
