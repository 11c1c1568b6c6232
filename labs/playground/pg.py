"""PostgreSQL scratch areas: one pooled server (started by the sandbox core, in its own box),
one template database per dataset, and per session a role and a database cloned from it.

The session's role owns its database and the objects in it (so DDL works as in the lesson),
and nothing else: ``REVOKE ALL ON DATABASE … FROM PUBLIC`` keeps every other role out, and
SQL cannot open a connection to another database (no dblink or postgres_fdw: installing
them needs a superuser). Non-superusers see only their own sessions' query text in
pg_stat_activity. Each role is limited to a few connections; ``statement_timeout``,
``lock_timeout``, ``idle_in_transaction_session_timeout`` and ``work_mem`` are set at
connect time (they override any ALTER ROLE/DATABASE default the learner sets), a watchdog
cancels a statement that outlives its timeout anyway (a learner may ``SET
statement_timeout = 0``), ``temp_file_limit`` is a superuser setting, and the box's cgroup
bounds the server's memory as a whole.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from labs.playground.common import (
    MAX_ROWS,
    MAX_SCHEMA_TABLES,
    SAMPLE_ROWS,
    STATEMENT_TIMEOUT_S,
    Dataset,
    Outcome,
    Stopwatch,
    cell,
    line_of,
)
from labs.playground.pooled import SqlPlayground
from labs.sandbox import base
from labs.sandbox.pg_sql import ScriptError, split_statements

OWNER = "play_owner"  # NOLOGIN: owns template objects until a clone hands them to a session role
SERVER_CONFIG = {"max_connections": "160", "shared_buffers": "32MB", "temp_file_limit": "64MB"}
ROLE_CONNECTIONS = 3
IDENT = pgsql.Identifier


@dataclass
class PgScratch:
    session_id: str
    dataset: Dataset
    database: str
    role: str
    conn: psycopg.Connection | None = None
    notes: list[str] = field(default_factory=list)
    generation: int = 0  # the server start it lives on


class PostgresPlayground(SqlPlayground):
    name = "postgres"
    sandbox_name = "playground-pg"
    driver_error = psycopg.Error
    script_error = ScriptError

    def __init__(self) -> None:
        super().__init__()  # the lock also guards template builds
        self._templates: dict[str, tuple[str, list[str]]] = {}

    # -- the pooled server

    def _launch(self, sandbox: base.SandboxDir) -> Any:
        from labs.engines.postgres.pool import start_instance

        return start_instance(SERVER_CONFIG, sandbox)

    def _prepare(self, server: Any) -> None:
        server.execute(pgsql.SQL("CREATE ROLE {} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(IDENT(OWNER)))
        self._templates.clear()

    def instance(self) -> Any:
        return self.server()

    # -- templates

    def _template(self, dataset: Dataset) -> tuple[str, list[str]]:
        """The dataset's template database (built once per server), and notes on skipped blocks.

        The data is made by an ordinary role, as a lesson's reader makes it. A lab seed that
        needs more (CREATE ROLE for a privileges lab) is run as the grader runs it, by the
        server's admin, and its objects are then handed to the ordinary owner role."""
        instance = self.instance()
        with self._lock:
            if dataset.key in self._templates:
                return self._templates[dataset.key]
            name = f"tpl_{dataset.key}"
            notes = self._build(instance, name, dataset, as_admin=False)
            if notes:
                notes = self._build(instance, name, dataset, as_admin=True)
            self._templates[dataset.key] = (name, notes)
            return name, notes

    def _build(self, instance: Any, name: str, dataset: Dataset, as_admin: bool) -> list[str]:
        instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(IDENT(name)))
        instance.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(IDENT(name)))
        instance.execute(pgsql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(IDENT(name)))
        notes: list[str] = []
        with instance.connect(name, options="-c statement_timeout=120000") as conn:
            conn.execute(pgsql.SQL("ALTER SCHEMA public OWNER TO {}").format(IDENT(OWNER)))
            conn.execute(pgsql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(IDENT(name), IDENT(OWNER)))
            if not as_admin:
                conn.execute(pgsql.SQL("SET ROLE {}").format(IDENT(OWNER)))
            for number, script in enumerate(dataset.scripts, start=1):
                try:
                    conn.execute(script)
                except psycopg.Error as exc:
                    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                        conn.rollback()
                    notes.append(f"block {number} of the dataset did not run: {exc.diag.message_primary or exc}")
            conn.execute("RESET ROLE")
            if as_admin:
                _hand_to_owner(conn)
            conn.execute("ANALYZE")
            conn.execute(pgsql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(IDENT(name), IDENT(OWNER)))
        return notes

    # -- sessions

    def create(self, session_id: str, dataset: Dataset) -> PgScratch:
        template, notes = self._template(dataset)
        instance = self.instance()
        role, database = f"p_{session_id}", f"s_{session_id}"
        with self._lock:  # CREATE DATABASE refuses while another clone reads the same template
            instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(IDENT(database)))
            instance.execute(
                pgsql.SQL(
                    "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {}) THEN "
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                    "CONNECTION LIMIT {}; END IF; END$$"
                ).format(pgsql.Literal(role), IDENT(role), pgsql.Literal(ROLE_CONNECTIONS))
            )
            instance.execute(
                pgsql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {} STRATEGY FILE_COPY").format(
                    IDENT(database), IDENT(template), IDENT(role)
                )
            )
        instance.execute(pgsql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(IDENT(database)))
        with instance.connect(database, options="-c statement_timeout=60000") as conn:
            # Only objects inside this clone move: the owner role owns no database of its own.
            conn.execute(pgsql.SQL("REASSIGN OWNED BY {} TO {}").format(IDENT(OWNER), IDENT(role)))
        return PgScratch(session_id, dataset, database, role, notes=list(notes), generation=self._generation)

    def _connect(self, scratch: PgScratch) -> psycopg.Connection:
        timeout_ms = int(STATEMENT_TIMEOUT_S * 1000)
        options = (
            f"-c statement_timeout={timeout_ms} -c lock_timeout=2000 "
            f"-c idle_in_transaction_session_timeout=600000 -c work_mem=4MB"
        )
        return self.instance().connect(scratch.database, scratch.role, options=options)

    def _connection_usable(self, conn: psycopg.Connection) -> bool:
        return not (conn.closed or conn.broken)

    def _drop_area(self, scratch: PgScratch) -> None:
        self._server.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(IDENT(scratch.database)))
        self._server.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(IDENT(scratch.role)))

    # -- running learner SQL

    def _split(self, text: str) -> list:
        return split_statements(text)

    def _watchdog(self, conn: psycopg.Connection) -> Any:
        # statement_timeout is PostgreSQL's own budget, which a learner may SET to 0 in the session.
        return functools.partial(_cancel, conn)

    def _run_statements(
        self,
        conn: psycopg.Connection,
        scratch: PgScratch,
        text: str,
        statements: list,
        offsets: list[int],
        explain: bool,
        outcome: Outcome,
    ) -> None:
        if explain:
            self._explain(conn, statements[-1].text, offsets[-1], text, outcome)
            return
        for statement, offset in zip(statements, offsets, strict=True):
            if not self._run_one(conn, statement.text, offset, text, outcome):
                break

    def _run_one(self, conn: psycopg.Connection, statement: str, offset: int, text: str, outcome: Outcome) -> bool:
        clock = Stopwatch()
        line = line_of(text, offset + len(statement) - len(statement.lstrip()))
        try:
            with conn.cursor() as cur:
                cur.execute(statement.encode(), prepare=False)
                status = cur.statusmessage or ""
                if cur.description is not None:
                    outcome.columns = [d.name for d in cur.description]
                    fetched = cur.fetchmany(MAX_ROWS + 1)
                    outcome.truncated = len(fetched) > MAX_ROWS
                    outcome.rows = [[cell(v) for v in row] for row in fetched[:MAX_ROWS]]
        except psycopg.Error as exc:
            outcome.error = _error(exc, statement, offset, text, line)
            if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                # psql would leave the failed transaction open until ROLLBACK; a page has no
                # session to come back to, so end it here and say so
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                outcome.error["message"] += " (the open transaction was rolled back)"
            return False
        returned = cur.description is not None
        outcome.statements.append({"line": line, "status": status, "ms": round(clock.ms(), 2), "rows": returned})
        return True

    def _explain(self, conn: psycopg.Connection, statement: str, offset: int, text: str, outcome: Outcome) -> None:
        """EXPLAIN ANALYZE inside a transaction that is rolled back: the plan with real
        row counts and timings, and no change to the learner's data."""
        line = line_of(text, offset + len(statement) - len(statement.lstrip()))
        idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        prefix = b"EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) "
        try:
            if idle:
                conn.execute("BEGIN")
            with conn.cursor() as cur:
                cur.execute(prefix + statement.encode(), prepare=False)
                lines = [str(row[0]) for row in cur.fetchmany(500)]
            outcome.plan = "\n".join(lines)
        except psycopg.Error as exc:
            outcome.error = _error(exc, statement, offset, text, line, shift=-len(prefix))
        finally:
            if idle:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")

    # -- the schema view

    def schema(self, scratch: PgScratch) -> dict[str, Any]:
        """Tables, columns, keys and foreign keys of the learner's own database, read as the
        learner (nothing the learner made ever runs with more rights than theirs)."""
        conn = self._connection(scratch)
        rows = conn.execute(_COLUMNS).fetchall()
        tables: dict[str, dict[str, Any]] = {}
        for schema, table, column, data_type, not_null, is_pk in rows:
            name = table if schema == "public" else f"{schema}.{table}"
            entry = tables.setdefault(name, {"name": name, "schema": schema, "table": table, "columns": []})
            entry["columns"].append({"name": column, "type": data_type, "not_null": not_null, "pk": is_pk})
        relations = []
        for schema, table, columns, fschema, ftable, fcolumns in conn.execute(_FOREIGN_KEYS).fetchall():
            relations.append(
                {
                    "from": table if schema == "public" else f"{schema}.{table}",
                    "from_columns": list(columns),
                    "to": ftable if fschema == "public" else f"{fschema}.{ftable}",
                    "to_columns": list(fcolumns),
                }
            )
        listed = list(tables.values())[:MAX_SCHEMA_TABLES]
        for entry in listed:
            entry["sample"] = self._sample(conn, entry["schema"], entry["table"])
        return {"tables": listed, "relations": relations, "notes": scratch.notes}

    def _sample(self, conn: psycopg.Connection, schema: str, table: str) -> list[list[Any]]:
        try:
            with conn.cursor() as cur:
                cur.execute(pgsql.SQL("SELECT * FROM {}.{} LIMIT {}").format(IDENT(schema), IDENT(table), SAMPLE_ROWS))
                return [[cell(v) for v in row] for row in cur.fetchall()]
        except psycopg.Error:
            if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
            return []


_OWNED = """
SELECT 'SCHEMA', pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_%'
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_%'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
           WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
             AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::pg_catalog.regprocedure::text
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND p.prokind <> 'a'
"""


def _hand_to_owner(conn: psycopg.Connection) -> None:
    """Give the data's objects (made by the admin) to the ordinary owner role, which each
    clone then hands to its session's role."""
    conn.execute("SET search_path = pg_catalog, pg_temp")
    for kind, name in conn.execute(_OWNED).fetchall():
        with contextlib.suppress(psycopg.Error):  # e.g. an extension's own objects
            conn.execute(pgsql.SQL(f"ALTER {kind} {name} OWNER TO {{}}").format(IDENT(OWNER)))  # type: ignore[arg-type]
    conn.execute("RESET search_path")


def _cancel(conn: psycopg.Connection) -> None:
    with contextlib.suppress(Exception):
        conn.cancel_safe(timeout=1.0)


def _error(exc: psycopg.Error, statement: str, offset: int, text: str, line: int, shift: int = 0) -> dict[str, Any]:
    diag = exc.diag
    message = diag.message_primary or str(exc).strip().splitlines()[0]
    if diag.sqlstate == "57014":
        message = f"{message}: the playground stops a run after {STATEMENT_TIMEOUT_S:g} s"
    if diag.message_detail:
        message += f" DETAIL: {diag.message_detail}"
    if diag.statement_position:
        position = int(diag.statement_position) - 1 + shift
        line = line_of(text, offset + max(0, position))
    return {"message": message, "line": line, "hint": diag.message_hint or "", "sqlstate": diag.sqlstate or ""}


_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
               WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey))
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
  AND NOT c.relispartition
ORDER BY n.nspname <> 'public', n.nspname, c.relname, a.attnum
"""

_FOREIGN_KEYS = """
SELECT n.nspname, c.relname,
       ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY u(num, i)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.i),
       fn.nspname, f.relname,
       ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY u(num, i)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.i)
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class f ON f.oid = k.confrelid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
WHERE k.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY c.relname, k.conname
"""
