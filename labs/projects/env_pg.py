"""The Postgres project environment: one sandboxed server (the runtime's boxes and unprivileged
account), a fresh database owned by an unprivileged role, the project's data loaded by the
administrator, and helpers that run the learner's files as that owner, statement by statement."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from labs.engines.postgres.pool import start_instance
from labs.engines.postgres.server import PgInstance
from labs.engines.postgres.settings import GRADER_SEARCH_PATH
from labs.projects.spec import ProjectSpec
from labs.sandbox.pg_sql import ScriptError, split_statements, substitute_variables

OWNER = "project_owner"
DATABASE = "project"
PLATFORM_TIMEOUT_MS = 300_000
# Every grader session, the administrator's and the owner's alike. The learner owns the project
# database, so ALTER DATABASE/ROLE ... SET can put public (theirs) before pg_catalog, make our
# sessions read-only, give them a 1 ms lock_timeout or even a role (the administrator's session
# would then act as the owner, with RESET ROLE one statement away); a client option outranks all.
GRADER_SETTINGS = (
    f"{GRADER_SEARCH_PATH} -c role=none -c default_transaction_read_only=off -c lock_timeout=0 "
    "-c default_transaction_isolation=read\\ committed"
)


class PlatformFault(RuntimeError):
    """Our side failed (a server did not start, our own SQL failed): never the learner's score."""


class LearnerTimeout(RuntimeError):
    """The learner's work used up the project's time limit."""


@dataclass
class FileOutcome:
    ok: bool
    statements: int = 0
    failed_index: int | None = None  # 1-based statement that failed
    failed_sql: str = ""
    sqlstate: str = ""
    error: str = ""

    def describe(self, name: str) -> str:
        if self.ok:
            return f"{name} ran ({self.statements} statements)"
        where = f"statement {self.failed_index} ({self.failed_sql})" if self.failed_index else "it"
        return f"{name}: {where} failed with {self.sqlstate or 'an error'}: {self.error}"


@dataclass
class PgProjectEnv:
    spec: ProjectSpec
    instance: PgInstance
    deadline: float
    memo: dict[str, Any] = field(default_factory=dict)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LearnerTimeout("the project's time limit ran out before this criterion could run")
        return left

    def owner(self, *, timeout_ms: int | None = None, autocommit: bool = True) -> psycopg.Connection:
        limit = int(min(timeout_ms or 60_000, self.remaining() * 1000))
        try:
            return self.instance.connect(
                DATABASE, OWNER, autocommit=autocommit, options=f"-c statement_timeout={max(limit, 1)}"
            )
        except psycopg.Error as exc:
            raise PlatformFault(f"could not connect as the project's owner: {exc}") from exc

    def grader_owner(self, *, timeout_ms: int | None = None) -> psycopg.Connection:
        """The owner's role for the grader's own reads of the learner's objects: a view's functions
        run as whoever reads it, so a superuser never reads one. Unlike ``owner`` (the learner's
        files, in the learner's settings) the names here are ours: search_path is pg_catalog."""
        limit = int(min(timeout_ms or 60_000, self.remaining() * 1000))
        try:
            return self.instance.connect(
                DATABASE, OWNER, options=f"{GRADER_SETTINGS} -c statement_timeout={max(limit, 1)}"
            )
        except psycopg.Error as exc:
            raise PlatformFault(f"could not connect as the project's owner: {exc}") from exc

    def owner_rows(self, query: Any, params: Any = None, *, timeout_ms: int | None = None) -> list[tuple]:
        """Rows of a grader query on the learner's objects, run as the owner (``grader_owner``).
        A failure there is the learner's (a view with the wrong columns): psycopg's error is
        raised as it is, unless the server died, which is ours."""
        with self.grader_owner(timeout_ms=timeout_ms) as conn:
            try:
                cur = conn.execute(query, params)
            except psycopg.OperationalError as exc:
                if not self.instance.alive():
                    raise PlatformFault(f"the project server died: {self.instance.log_tail(5)}") from exc
                raise
            return cur.fetchall() if cur.description else []

    def admin(self) -> psycopg.Connection:
        """The superuser, for the platform's own tables and catalogs only: never a learner's view,
        function or table write (that would run their code with our rights)."""
        try:
            return self.instance.connect(
                DATABASE, options=f"{GRADER_SETTINGS} -c statement_timeout={PLATFORM_TIMEOUT_MS}"
            )
        except psycopg.Error as exc:
            raise PlatformFault(f"could not connect to the project database: {exc}") from exc

    def admin_rows(self, query: str, params: Any = None) -> list[tuple]:
        with self.admin() as conn:
            try:
                cur = conn.execute(query, params)
            except psycopg.Error as exc:
                raise PlatformFault(f"the platform's own query failed: {exc}") from exc
            return cur.fetchall() if cur.description else []

    def vacuum(self) -> None:
        """VACUUM ANALYZE the whole database as the administrator (visibility map set, statistics fresh)."""
        with self.admin() as conn:
            try:
                conn.execute("VACUUM ANALYZE")
            except psycopg.Error as exc:
                raise PlatformFault(f"VACUUM ANALYZE failed: {exc}") from exc

    def run_script(self, conn: psycopg.Connection, text: str, variables: dict[str, str] | None = None) -> FileOutcome:
        """Run a learner's file like ``psql -f`` (each statement on its own unless the file opens a
        transaction), stopping at the first error."""
        try:
            statements = split_statements(text)
        except ScriptError as exc:
            return FileOutcome(False, error=f"{exc.message} {exc.hint}".strip(), sqlstate="42601")
        for statement in statements:
            self.remaining()
            body = substitute_variables(statement.text, variables or {})
            try:
                conn.execute(body)
            except psycopg.errors.QueryCanceled as exc:
                return FileOutcome(
                    False,
                    len(statements),
                    statement.index,
                    statement.short(60),
                    "57014",
                    f"cancelled after the statement time limit ({exc.diag.message_primary})",
                )
            except psycopg.OperationalError as exc:
                if not self.instance.alive():
                    raise PlatformFault(f"the project server died: {self.instance.log_tail(5)}") from exc
                raise PlatformFault(f"the connection to the project server failed: {exc}") from exc
            except psycopg.Error as exc:
                return FileOutcome(
                    False,
                    len(statements),
                    statement.index,
                    statement.short(60),
                    exc.diag.sqlstate or "",
                    exc.diag.message_primary or str(exc),
                )
        return FileOutcome(True, len(statements))

    def run_file(self, name: str, text: str, *, timeout_ms: int = 60_000) -> FileOutcome:
        with self.owner(timeout_ms=timeout_ms) as conn:
            return self.run_script(conn, text)


def _hand_schema_to_owner(conn: psycopg.Connection, schema: str) -> None:
    """The owner may index and analyze these tables (an optimization project), as their owner."""
    ident = pgsql.Identifier
    conn.execute(pgsql.SQL("ALTER SCHEMA {} OWNER TO {}").format(ident(schema), ident(OWNER)))
    tables = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    ).fetchall()
    for (table,) in tables:
        conn.execute(pgsql.SQL("ALTER TABLE {}.{} OWNER TO {}").format(ident(schema), ident(table), ident(OWNER)))


def _load_platform_sql(env: PgProjectEnv, root_files: list[tuple[str, str]], variables: dict[str, str]) -> None:
    with env.admin() as conn:
        for name, text in root_files:
            try:
                conn.execute(substitute_variables(text, variables))
            except psycopg.Error as exc:
                raise PlatformFault(f"the project's {name} failed: {exc}") from exc


@contextlib.contextmanager
def open_pg_project(spec: ProjectSpec, deadline: float) -> Iterator[PgProjectEnv]:
    """A server in its own sandbox, the project's data loaded, an unprivileged owner ready."""
    environment = spec.environment
    config = {"max_connections": str(environment.get("max_connections", 60))}
    try:
        instance = start_instance(config)
    except Exception as exc:  # any failure to start is ours
        raise PlatformFault(f"the project server did not start: {exc}") from exc
    try:
        ident = pgsql.Identifier
        instance.execute(
            pgsql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(
                ident(OWNER)
            )
        )
        instance.execute(
            pgsql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(ident(DATABASE), ident(OWNER))
        )
        env = PgProjectEnv(spec, instance, deadline)
        variables = {str(k): str(v) for k, v in environment.get("variables", {}).items()}
        files = [(rel, (spec.root / rel).read_text(encoding="utf-8")) for rel in environment.get("setup", [])]
        _load_platform_sql(env, files, variables)
        with env.admin() as conn:
            conn.execute("CREATE SCHEMA grader")  # the platform's own reading of the data: not the owner's
            for schema in environment.get("owner_reads", []):
                conn.execute(pgsql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident(schema), ident(OWNER)))
                conn.execute(
                    pgsql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(ident(schema), ident(OWNER))
                )
            for schema in environment.get("owner_owns", []):
                _hand_schema_to_owner(conn, schema)
        if environment.get("vacuum_after_setup", False):
            env.vacuum()
        platform = [(rel, (spec.root / rel).read_text(encoding="utf-8")) for rel in environment.get("platform_sql", [])]
        _load_platform_sql(env, platform, variables)
        yield env
    except psycopg.OperationalError as exc:
        raise PlatformFault(f"the project server failed: {exc}") from exc
    finally:
        instance.stop()
