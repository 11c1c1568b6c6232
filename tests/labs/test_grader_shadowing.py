"""Issue 8, part 1, for the project graders: nothing a hand-in makes runs with the grader's rights.

The Postgres projects load the learner's files as ``project_owner``, which owns the project
database: it can create functions, operators and aggregates in ``public``, put ``public`` before
``pg_catalog`` for every later session with ``ALTER DATABASE ... SET search_path``, define views
the grader reads and, in the optimization project, indexes, triggers and rules on the tables the
platform's ingestion batch writes. Each hostile hand-in below is a reference hand-in plus such
objects; every one of them, if it ever runs as a role other than ``project_owner``, writes a
marker file with a server-side COPY (which only a privileged role may do). The project is then
graded through ``grade_project``: the verdict must be the honest one and no marker may exist.

The operational projects (backup-recovery, scaling, production-setup) take runbooks,
configuration files, a shell script run inside the box, or SQL graded by the runtime's roles lab
(covered by ``test_grader_privilege`` and ``test_role_probes``); the alerts criterion runs the
learner's queries as a ``pg_monitor`` login that cannot create anything outside its own
session's temporary schema.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
from pathlib import Path

import pytest

from labs.projects import grade_project, load_project
from labs.projects.env_pg import OWNER
from labs.sandbox import base, postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")

PROJECTS = Path(__file__).resolve().parents[2] / "curriculum" / "projects"
RELATIONAL = PROJECTS / "relational-design"
OPTIMIZATION = PROJECTS / "query-optimization"


@pytest.fixture
def marker_dir():
    # world-writable: the sandbox server runs as another OS user than the tests
    path = Path(f"/tmp/indexed-shadowing-{os.getpid()}-{secrets.token_hex(3)}")
    path.mkdir(mode=0o1777)
    os.chmod(path, 0o1777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def assert_no_marker(marker: Path) -> None:
    found = sorted(p.name for p in marker.iterdir())
    assert not found, f"the hand-in's code ran with the grader's privilege: {found}"


def marking(marker: Path) -> str:
    """``public.indexed_mark(what)``: a file named ``what`` in ``marker`` when run by anyone but
    the owner; ``indexed_ok``/``indexed_never`` mark and return true/false (for views, predicates)."""
    return f"""
CREATE FUNCTION public.indexed_mark(what text) RETURNS void LANGUAGE plpgsql AS $m$
BEGIN
    IF current_user <> '{OWNER}' THEN
        EXECUTE pg_catalog.format('COPY (SELECT %L, %L) TO %L', current_user, what, '{marker}/' || what);
    END IF;
END $m$;
CREATE FUNCTION public.indexed_ok(what text) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.indexed_mark(what); RETURN true; END $f$;
CREATE FUNCTION public.indexed_never(bigint) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN PERFORM public.indexed_mark('index_predicate'); RETURN false; END $f$;
"""


def catalog_shadows() -> str:
    """Exact-signature twins in public of what the graders call, and every later session's
    search_path (but the owner's own) starting with public: the grader's sessions would pick these
    over pg_catalog's unless they pin their search_path."""
    functions = [
        ("to_regclass", "text", "regclass", "pg_catalog.to_regclass($1)"),
        ("format_type", "oid, integer", "text", "pg_catalog.format_type($1, $2)"),
        ("pg_relation_size", "regclass", "bigint", "pg_catalog.pg_relation_size($1)"),
        ("lower", "text", "text", "pg_catalog.lower($1)"),
        ("btrim", "text", "text", "pg_catalog.btrim($1)"),
        ("date_trunc", "text, timestamp with time zone", "timestamp with time zone", "pg_catalog.date_trunc($1, $2)"),
        ("json_agg", "anyelement", "json", "NULL"),
    ]
    sql = []
    for i, (name, args, returns, value) in enumerate(functions):
        if name == "json_agg":  # an aggregate: its step function marks
            sql.append(
                "CREATE FUNCTION public.indexed_json_step(json, anyelement) RETURNS json LANGUAGE plpgsql AS $f$ "
                "BEGIN PERFORM public.indexed_mark('aggregate_json_agg'); RETURN $1; END $f$;"
            )
            sql.append("CREATE AGGREGATE public.json_agg(anyelement) (SFUNC = public.indexed_json_step, STYPE = json);")
            continue
        sql.append(
            f"CREATE FUNCTION public.{name}({args}) RETURNS {returns} LANGUAGE plpgsql AS $f$ "
            f"BEGIN PERFORM public.indexed_mark('{name}_{i}'); RETURN {value}; END $f$;"
        )
    for i, (left, right, op) in enumerate(
        [
            ("text", "text", "="),
            ("integer", "integer", "="),
            ("bigint", "bigint", "="),
            ("integer", "bigint", "="),
            ("bigint", "integer", "="),
            ("oid", "oid", "="),
            ("name", "name", "="),
            ("bigint", "integer", "<="),
        ]
    ):
        sql.append(
            f"CREATE FUNCTION public.indexed_op_{i}({left}, {right}) RETURNS boolean LANGUAGE plpgsql AS $f$ "
            f"BEGIN PERFORM public.indexed_mark('operator_{i}'); RETURN $1 OPERATOR(pg_catalog.{op}) $2; END $f$;"
        )
        sql.append(
            f"CREATE OPERATOR public.{op} (LEFTARG = {left}, RIGHTARG = {right}, FUNCTION = public.indexed_op_{i});"
        )
    sql.append(
        "CREATE FUNCTION public.indexed_plus(bigint, integer) RETURNS bigint LANGUAGE plpgsql AS $f$ "
        "BEGIN PERFORM public.indexed_mark('operator_plus'); RETURN $1 OPERATOR(pg_catalog.+) $2; END $f$;"
    )
    sql.append("CREATE OPERATOR public.+ (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = public.indexed_plus);")
    for i, (name, arg) in enumerate([("sum", "bigint"), ("sum", "integer"), ("count", "*")]):
        sql.append(
            f"CREATE FUNCTION public.indexed_agg_{i}(bigint{'' if arg == '*' else ', ' + arg}) RETURNS bigint "
            f"LANGUAGE plpgsql AS $f$ BEGIN PERFORM public.indexed_mark('aggregate_{name}_{i}'); RETURN 0; END $f$;"
        )
        sql.append(
            f"CREATE AGGREGATE public.{name}({arg}) (SFUNC = public.indexed_agg_{i}, STYPE = bigint, INITCOND = '0');"
        )
    # public first for every later session of this database (the administrator's too), read-only
    # by default and acting as the owner; the owner's own sessions keep the ordinary settings
    sql.append(
        "DO $d$ BEGIN EXECUTE pg_catalog.format('ALTER DATABASE %I SET search_path = public, pg_catalog', "
        "pg_catalog.current_database()); EXECUTE pg_catalog.format('ALTER DATABASE %I SET "
        "default_transaction_read_only = on', pg_catalog.current_database()); EXECUTE pg_catalog.format("
        "'ALTER DATABASE %I SET role = %I', pg_catalog.current_database(), CURRENT_USER); END $d$;"
    )
    sql.append('ALTER ROLE CURRENT_USER SET search_path = "$user", public;')
    sql.append("ALTER ROLE CURRENT_USER SET default_transaction_read_only = off;")
    return "\n".join(sql) + "\n"


def hostile_copy(source: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "handin"
    shutil.copytree(source, folder)
    return folder


def auto_points(result) -> dict[str, float | None]:
    return {c.id: c.points_awarded for c in result.criteria if c.graded_by == "auto"}


# --------------------------------------------------------------------------- relational-design


def test_relational_grader_never_runs_the_hand_ins_code_with_privilege(tmp_path, marker_dir):
    """schema.sql shadows the catalog names the grader uses, makes public come first for every
    later session, and wraps the views the grader reads (order_line_facts for reconciliation,
    variant_stock and order_line_facts for the concurrency check) in views that call a function:
    the grade is the reference's full marks and none of it ran as the administrator."""
    folder = hostile_copy(RELATIONAL / "reference", tmp_path)
    wrappers = "\n".join(
        f"ALTER VIEW shop.{view} RENAME TO {view}_inner;\n"
        f"CREATE VIEW shop.{view} AS SELECT * FROM shop.{view}_inner WHERE public.indexed_ok('view_{view}');"
        for view in ("order_line_facts", "variant_stock")
    )
    schema = folder / "schema.sql"
    schema.write_text(schema.read_text() + marking(marker_dir) + wrappers + "\n" + catalog_shadows())
    result = grade_project(load_project(RELATIONAL), folder)
    assert result.status == "graded", result.to_dict()
    assert auto_points(result) == {"rules": 15, "migration": 15, "queries": 15, "speed": 5, "concurrency": 10}, [
        c.message for c in result.criteria
    ]
    assert_no_marker(marker_dir)


def test_relational_views_that_fail_for_the_grader_are_the_learners_problem(tmp_path):
    """A view that raises when read is the learner's mistake, said in the criterion's message;
    never a platform fault that would keep the hand-in from being graded."""
    folder = hostile_copy(RELATIONAL / "reference", tmp_path)
    schema = folder / "schema.sql"
    schema.write_text(
        schema.read_text() + "CREATE FUNCTION public.refuse() RETURNS boolean LANGUAGE plpgsql AS $f$ "
        "BEGIN RAISE EXCEPTION 'this view refuses readers'; END $f$;\n"
        "ALTER VIEW shop.order_line_facts RENAME TO order_line_facts_inner;\n"
        "CREATE VIEW shop.order_line_facts AS SELECT * FROM shop.order_line_facts_inner WHERE public.refuse();\n"
    )
    result = grade_project(load_project(RELATIONAL), folder)
    assert result.status == "graded", result.to_dict()
    migration = next(c for c in result.criteria if c.id == "migration")
    assert migration.points_awarded < 15
    assert "this view refuses readers" in migration.message


# --------------------------------------------------------------------------- query-optimization


def test_optimization_ingestion_never_runs_the_learners_index_code_with_privilege(tmp_path, marker_dir):
    """An index (which the brief allows) whose predicate is the learner's function: the platform's
    ingestion batch, ANALYZE and every measurement evaluate it, always as the owner."""
    folder = hostile_copy(OPTIMIZATION / "reference", tmp_path)
    migration = folder / "migration.sql"
    migration.write_text(
        marking(marker_dir)
        + migration.read_text()
        + "\nCREATE INDEX events_never ON brightwater.events (event_id) WHERE public.indexed_never(event_id);\n"
    )
    result = grade_project(load_project(OPTIMIZATION), folder)
    assert result.status == "graded", result.to_dict()
    points = auto_points(result)
    assert (points["results"], points["performance"], points["plans"]) == (15, 30, 5), [
        c.message for c in result.criteria
    ]
    assert_no_marker(marker_dir)


def test_optimization_triggers_rules_and_settings_are_tampering_and_never_run_privileged(tmp_path, marker_dir):
    """A trigger and a rule on the ingested table (the rule swallows the batch: no WAL, so the
    write-cost target would be met for free) plus catalog twins with public first: reported as
    tampering, the write cost not credited, and none of the learner's code ran as the administrator."""
    folder = hostile_copy(OPTIMIZATION / "reference", tmp_path)
    migration = folder / "migration.sql"
    migration.write_text(
        marking(marker_dir)
        + migration.read_text()
        + """
CREATE FUNCTION public.indexed_trigger() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.indexed_mark('trigger_' || TG_TABLE_NAME); RETURN NEW; END $f$;
CREATE TRIGGER indexed_row BEFORE INSERT ON brightwater.events FOR EACH ROW EXECUTE FUNCTION public.indexed_trigger();
CREATE RULE swallow AS ON INSERT TO brightwater.events WHERE public.indexed_ok('rule') DO INSTEAD NOTHING;
"""
        + catalog_shadows()
    )
    result = grade_project(load_project(OPTIMIZATION), folder)
    assert result.status == "graded", result.to_dict()
    by_id = {c.id: c for c in result.criteria}
    assert by_id["results"].points_awarded == 0
    assert "triggers, rules or row security were added" in by_id["results"].message
    assert by_id["budget"].points_awarded <= 5, by_id["budget"].message
    assert "not measured on tables whose behaviour" in by_id["budget"].message
    assert_no_marker(marker_dir)


# --------------------------------------------------------------------------- sandbox record


def test_sandbox_owner_record_keeps_every_process_added_from_many_threads(tmp_path):
    """Parallel sessions register their processes at once: the reaper's record must list every
    one of them, and no registration may fail on another's temporary file."""
    sandbox = base.SandboxDir(path=tmp_path, kind="threads")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def register(first: int) -> None:
        try:
            start.wait(timeout=10)
            for pid in range(first, first + 200):
                sandbox.add_process(pid)
        except BaseException as exc:  # any failure is the test's finding
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(n * 1000,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    recorded = json.loads((tmp_path / base.OWNER_FILE).read_text())["pids"]
    assert sorted(recorded) == sorted(n * 1000 + i for n in range(8) for i in range(200))
