"""``PgAttempt``, what query-lab checks receive: learner connections with time limits, a row
cap, memoised application of the answer, cached reference results and the watchdog; plus the
result types (``Rows``, ``ScriptOutcome``) and psql-style gset variables."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql as pgsql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout, PlatformClock
from labs.engines.postgres.labdb import VISIBLE, ensure_lab_database, lab_options
from labs.engines.postgres.server import PgInstance
from labs.engines.postgres.settings import (
    CANCEL_GRACE,
    GRADER_SEARCH_PATH,
    LEARNER_ROLE,
    PLATFORM_ALLOWANCE,
    PLATFORM_STATEMENT_TIMEOUT_MS,
    TRANSACTION_CONTROL,
)
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_sql import (
    ScriptError,
    Statement,
    describe_error,
    split_statements,
    substitute_variables,
)

if TYPE_CHECKING:
    from labs.spec import LabSpec

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- attempts


@dataclass
class Rows:
    """A learner's (or the reference's) result: at most ``cap`` rows, ``truncated`` if more."""

    columns: list[str]
    rows: list[tuple]
    truncated: bool = False

    def preview(self, limit: int) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": [[jsonable(v) for v in row] for row in self.rows[:limit]],
            "truncated": self.truncated or len(self.rows) > limit,
            "row_count": len(self.rows),
            "row_count_is_lower_bound": self.truncated,
        }


def jsonable(value: Any) -> Any:
    """A JSON-safe rendering of a value Postgres returned (for artifacts)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class LearnerSqlError(Exception):
    """The learner's SQL failed in an ordinary way (syntax, missing column): a failed check."""

    def __init__(self, message: str, hint: str = "", sqlstate: str = "", statement: Statement | None = None):
        super().__init__(message)
        self.message, self.hint, self.sqlstate, self.statement = message, hint, sqlstate, statement


@dataclass
class ScriptOutcome:
    """What happened when a script ran: ``error`` is None when every statement succeeded."""

    statements: list[Statement]
    error: LearnerSqlError | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


_REFERENCE_CACHE: OrderedDict[tuple, Any] = OrderedDict()  # (lab hash, solution hash, ...) -> reference
MAX_REFERENCES = 256  # a course has a few hundred (lab, dataset, query) pairs at most


class PgAttempt(PlatformClock, Attempt):
    """One learner answer against one lab on one pooled instance.

    ``deadline`` is the learner's: time spent on platform work (cloning databases, computing
    reference results) pushes it back, up to ``PLATFORM_ALLOWANCE`` seconds in total.
    """

    platform_allowance = PLATFORM_ALLOWANCE

    def __init__(self, spec: LabSpec, answer: str, deadline: float, instance: PgInstance):
        self.start_clock(deadline)
        super().__init__(spec=spec, answer=answer, deadline=deadline)
        self.instance = instance
        self.options = lab_options(spec)
        self.readonly = spec.topology == "readonly"
        self.row_cap = int(self.options["row_cap"])
        self.preview_rows = int(self.options["preview_rows"])
        self.timed_out = False
        self.healthy = True
        self._databases: dict[str, str] = {}  # dataset -> database this attempt reads
        self._clones: list[str] = []  # databases to drop at the end
        self._learner_conns: dict[str, psycopg.Connection] = {}
        self._tracked: list[psycopg.Connection] = []  # every learner connection, for cancel
        self._tracked_lock = threading.Lock()
        self._busy = 0  # learner statements in flight
        self._applied: dict[str, ScriptOutcome] = {}
        self._watchdog: threading.Thread | None = None
        self._closed = threading.Event()
        self._statements: list[Statement] | None = None

    # -- the answer

    @property
    def statements(self) -> list[Statement]:
        """The answer split into statements (AnswerRejected when it cannot be split)."""
        if self._statements is None:
            try:
                self._statements = split_statements(self.answer)
            except ScriptError as exc:
                raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from exc
        return self._statements

    @property
    def has_hidden(self) -> bool:
        return self.spec.hidden_seed is not None

    # -- databases and connections

    def database(self, dataset: str = VISIBLE) -> str:
        """The database this attempt uses for ``dataset``: a fresh clone, or for readonly labs
        the lab database itself (every learner statement then runs in a rolled-back transaction)."""
        if dataset not in self._databases:
            with self.platform_work():
                template = ensure_lab_database(self.instance, self.spec, dataset)
                if self.readonly:
                    self._databases[dataset] = template
                else:
                    self._databases[dataset] = self.clone(template)
        return self._databases[dataset]

    def clone(self, template: str) -> str:
        """A new database copied from ``template``, dropped when the attempt ends."""
        name = f"att_{secrets.token_hex(6)}"
        with self.platform_work():
            self.instance.execute(
                pgsql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    pgsql.Identifier(name), pgsql.Identifier(template)
                )
            )
        self._clones.append(name)
        return name

    def scratch_database(self, dataset: str = VISIBLE) -> str:
        """A private clone of the lab's data (for the reference solution), even in readonly labs."""
        with self.platform_work():
            return self.clone(ensure_lab_database(self.instance, self.spec, dataset))

    def _learner_options(self) -> str:
        remaining_ms = max(1, int(self.remaining() * 1000))
        return " ".join(
            [
                f"-c statement_timeout={remaining_ms}",
                f"-c lock_timeout={self.options['lock_timeout']}",
                f"-c idle_in_transaction_session_timeout={remaining_ms + 2000}",
                f"-c work_mem={self.options['work_mem']}",
            ]
        )

    def connect_learner(self, database: str, *, platform: bool = False, settings: str = "") -> psycopg.Connection:
        """A new autocommit connection as the learner role, tracked so the watchdog can cancel it.
        ``platform=True`` (reference runs) gets our generous timeout instead of the learner's;
        ``settings`` (``-c name=value …``) override whatever defaults the learner gave its role."""
        options = f"-c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}" if platform else self._learner_options()
        options = f"{options} {settings}".strip()
        try:
            conn = self.instance.connect(database, LEARNER_ROLE, options=options)
        except psycopg.Error as exc:
            self.healthy = self.instance.alive()
            raise SandboxError(f"cannot connect to the sandbox as the learner: {exc}") from exc
        with self._tracked_lock:
            self._tracked.append(conn)
        return conn

    def learner(self, dataset: str = VISIBLE) -> psycopg.Connection:
        """The attempt's shared learner connection to ``dataset`` (opened on first use)."""
        conn = self._learner_conns.get(dataset)
        if conn is None or conn.closed:
            database = self.database(dataset)
            with self.platform_work():
                conn = self._learner_conns[dataset] = self.connect_learner(database)
        return conn

    def connect_admin(self, dataset: str = VISIBLE, *, database: str | None = None) -> psycopg.Connection:
        """A superuser connection to the attempt's database (or ``database``) for catalog reads
        and ANALYZE. search_path is pg_catalog (then pg_temp), so learner-made functions,
        operators and relations never resolve; callers still qualify what they name."""
        return self.instance.connect(
            database or self.database(dataset),
            options=f"{GRADER_SEARCH_PATH} -c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}",
        )

    # -- running learner SQL

    @contextlib.contextmanager
    def learner_call(self, statement: Statement | None = None) -> Iterator[None]:
        """Run learner SQL: translate timeouts, escapes, crashes and ordinary errors."""
        if time.monotonic() >= self.deadline:
            self.timed_out = True
            raise LearnerTimeout(self._timeout_message())
        with self._tracked_lock:
            self._busy += 1
        try:
            yield
        except psycopg.errors.QueryCanceled as exc:
            if self.timed_out or "statement timeout" in str(exc) or time.monotonic() >= self.deadline - 0.05:
                self.timed_out = True
                raise LearnerTimeout(self._timeout_message()) from exc
            raise LearnerSqlError(describe_error(exc, statement).message, "", "57014", statement) from exc
        except psycopg.OperationalError as exc:
            if self.timed_out:
                raise LearnerTimeout(self._timeout_message()) from exc
            breach = self.limit_breach()
            if breach is not None:  # the box's OOM killer or pids limit stopped the answer
                self.healthy = False
                raise AnswerRejected(breach) from exc
            if not self.instance.alive():
                self.healthy = False
                raise SandboxError(f"the sandbox server stopped: {self.instance.log_tail(5)}") from exc
            report = describe_error(exc, statement)
            if exc.sqlstate in ("57P01", "57P02", "57P03", None):  # terminated: treat as a crash
                self.healthy = False
                raise SandboxError(f"the sandbox connection was lost: {exc}") from exc
            raise LearnerSqlError(report.message, report.hint, report.sqlstate, statement) from exc
        except psycopg.Error as exc:
            report = describe_error(exc, statement)
            if report.escape:
                raise AnswerRejected(report.message) from exc
            raise LearnerSqlError(report.message, report.hint, report.sqlstate, statement) from exc
        finally:
            with self._tracked_lock:
                self._busy -= 1

    def limit_breach(self) -> str | None:
        box = self.instance.sandbox.box if self.instance.sandbox is not None else None
        return box.breach() if box is not None else None

    def _timeout_message(self) -> str:
        return (
            f"Your SQL was still running when this lab's time limit of {self.spec.time_limit:g} s ran out, "
            "so it was stopped. Look for a missing join condition (a cross join), an endless recursive "
            "query, or a sleep, and run it on a smaller table first."
        )

    def execute_statement(
        self, conn: psycopg.Connection, statement: Statement, variables: dict[str, str] | None = None
    ) -> psycopg.Cursor:
        """Run one learner statement on ``conn``; return the cursor (rows fetched by the caller)."""
        text = substitute_variables(statement.text, variables or {})
        with self.learner_call(statement):
            if statement.first_word == "COPY":
                raise LearnerSqlError(
                    f"Statement {statement.index} uses COPY, which the sandbox does not run.",
                    "Load rows with INSERT … SELECT or INSERT … VALUES instead.",
                    statement=statement,
                )
            return conn.execute(text, prepare=False)

    def run_script(
        self, sql: str | list[Statement], dataset: str = VISIBLE, conn: psycopg.Connection | None = None
    ) -> ScriptOutcome:
        """Run a script statement by statement in autocommit mode, like ``psql -f``.

        Stops at the first error. For readonly labs everything runs inside one transaction
        that is rolled back. A transaction the script leaves open is rolled back, as psql's
        disconnect would.
        """
        statements = split_statements(sql) if isinstance(sql, str) else sql
        outcome = ScriptOutcome(statements)
        conn = conn or self.learner(dataset)
        variables: dict[str, str] = {}
        try:
            with self.learner_call(), self._readonly_guard(conn):
                for statement in statements:
                    if self.readonly and statement.first_word in TRANSACTION_CONTROL:
                        continue  # the whole readonly attempt is one transaction already
                    cur = self.execute_statement(conn, statement, variables)
                    if statement.gset is not None:
                        store_gset(variables, _gset(cur, statement))
        except LearnerSqlError as exc:
            outcome.error = exc
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not self.readonly:
            outcome.notes.append("Your script left a transaction open; it was rolled back, as psql does on exit.")
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
        return outcome

    @contextlib.contextmanager
    def _readonly_guard(self, conn: psycopg.Connection) -> Iterator[None]:
        if not self.readonly:
            yield
            return
        with conn.transaction(force_rollback=True):
            yield

    def apply_answer(self, dataset: str = VISIBLE) -> ScriptOutcome:
        """Run the learner's answer as a script on ``dataset`` once; later calls reuse it."""
        if dataset not in self._applied:
            self._applied[dataset] = self.run_script(self.statements, dataset)
        return self._applied[dataset]

    def fetch(
        self,
        sql: str | list[Statement],
        dataset: str = VISIBLE,
        *,
        cap: int | None = None,
        conn: psycopg.Connection | None = None,
    ) -> Rows:
        """Rows of the last statement of ``sql`` (earlier ones run first, same transaction,
        all rolled back). The query runs through a server-side cursor, so a huge result never
        leaves the server: we fetch ``cap + 1`` rows and mark the result truncated."""
        statements = split_statements(sql) if isinstance(sql, str) else sql
        # BEGIN/COMMIT around a query change nothing here, and would end our rolled-back transaction
        statements = [s for s in statements if s.first_word not in TRANSACTION_CONTROL]
        if not statements:
            raise LearnerSqlError(
                "The answer is empty: there is no query to run.", "Write a SELECT statement that returns the rows."
            )
        *before, last = statements
        if last.first_word not in ("SELECT", "WITH", "VALUES", "TABLE"):
            raise LearnerSqlError(
                f"The last statement ({last.short(60)}) does not return rows: this check needs a query "
                f"(SELECT, WITH … SELECT, VALUES or TABLE), not {last.first_word or 'that'}.",
                "End your answer with the SELECT that produces the result.",
                statement=last,
            )
        cap = cap or self.row_cap
        conn = conn or self.learner(dataset)
        variables: dict[str, str] = {}
        # learner_call outside the transaction too: its ROLLBACK may hit a killed server
        with self.learner_call(last), conn.transaction(force_rollback=True):
            for statement in before:
                cur = self.execute_statement(conn, statement, variables)
                if statement.gset is not None:
                    store_gset(variables, _gset(cur, statement))
            with self.learner_call(last), conn.cursor(name=f"rows_{secrets.token_hex(3)}") as cur:
                cur.execute(substitute_variables(last.text, variables))
                rows = cur.fetchmany(cap + 1)
                columns = [d.name for d in cur.description or []]
        return Rows(columns, rows[:cap], len(rows) > cap)

    def reference(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A reference value (the solution's rows, its plan buffers) cached per process.

        The key always includes the lab's content hash and the solution's text, so editing
        either recomputes. Failures are the lab author's, hence SandboxError (not gradable).
        """
        solution = self.spec.solution_path.read_text(encoding="utf-8")
        full_key = (self.spec.content_hash(), hashlib.sha256(solution.encode()).hexdigest(), *key)
        if full_key in _REFERENCE_CACHE:
            _REFERENCE_CACHE.move_to_end(full_key)
            return _REFERENCE_CACHE[full_key]
        with self.platform_work():
            try:
                value = compute()
            except (LearnerSqlError, AnswerRejected, LearnerTimeout) as exc:
                raise SandboxError(f"lab {self.spec.id}: the reference solution failed: {exc}") from exc
        _REFERENCE_CACHE[full_key] = value
        while len(_REFERENCE_CACHE) > MAX_REFERENCES:
            _REFERENCE_CACHE.popitem(last=False)
        return value

    @property
    def solution(self) -> str:
        return self.spec.solution_path.read_text(encoding="utf-8")

    # -- watchdog and teardown

    def start_watchdog(self) -> None:
        self._watchdog = threading.Thread(target=self._watch, name=f"pg-watchdog-{self.spec.id}", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        """At the deadline cancel every learner statement; if one is still running a moment
        later (a hung server, a backend ignoring the cancel), kill the instance."""
        while not self._closed.is_set():
            wait = self.deadline - time.monotonic()
            if wait > 0:
                self._closed.wait(min(wait, 0.25))
                continue
            with self._tracked_lock:
                busy = self._busy
                conns = list(self._tracked)
            if not busy:
                self._closed.wait(0.02)
                continue
            self.timed_out = True
            for conn in conns:
                with contextlib.suppress(Exception):
                    conn.cancel_safe(timeout=0.2)
            if self._closed.wait(CANCEL_GRACE):
                return
            with self._tracked_lock:
                busy = self._busy
            if busy:
                log.warning("learner SQL ignored a cancel for lab %s: killing its instance", self.spec.id)
                self.abort()
                return

    def abort(self) -> None:
        """Kill the instance now (the runner's last resort); teardown then discards it."""
        self.timed_out = True
        self.healthy = False
        self.instance.kill()

    def close(self) -> None:
        """Close connections and drop this attempt's databases; on any trouble, mark unhealthy."""
        self._closed.set()
        with self._tracked_lock:
            conns, self._tracked = self._tracked, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        if self._watchdog is not None:
            self._watchdog.join(timeout=2)
        if not self.instance.alive():
            self.healthy = False
            return
        try:
            for name in self._clones:
                self.instance.execute(
                    pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
                )
            restore_learner_settings(self.instance)
        except psycopg.Error as exc:
            log.warning("cleanup of a Postgres attempt failed, discarding the instance: %s", exc)
            self.healthy = False


READONLY_SETTINGS = ["default_transaction_read_only=on"]


def restore_learner_settings(instance: PgInstance) -> None:
    """Undo defaults a learner set on its own role. Any role may run ``ALTER ROLE self [IN
    DATABASE d] SET …``, even for databases of later attempts (a readonly lab's database),
    so after every attempt the learner's settings go back to exactly what we gave it."""
    learner = pgsql.Identifier(LEARNER_ROLE)
    rows = instance.execute(
        "SELECT d.datname, s.setconfig FROM pg_catalog.pg_db_role_setting s "
        "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
        "WHERE s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = %s)",
        (LEARNER_ROLE,),
    )
    found = {name: config for name, config in rows}
    for name in set(found) | instance.readonly_databases:
        expected = READONLY_SETTINGS if name in instance.readonly_databases else None
        if found.get(name) == expected:
            continue
        if name is None:
            instance.execute(pgsql.SQL("ALTER ROLE {} RESET ALL").format(learner))
            continue
        database = pgsql.Identifier(name)
        instance.execute(pgsql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(learner, database))
        if expected:
            instance.execute(
                pgsql.SQL("ALTER ROLE {} IN DATABASE {} SET default_transaction_read_only = on").format(
                    learner, database
                )
            )


def _gset(cur: psycopg.Cursor, statement: Statement) -> dict[str, str | None]:
    """psql's \\gset: the single row's columns become variables (prefixed), each holding the
    text psql would print (a boolean is ``t``/``f``, a timestamp ``2024-01-01 08:00:00+00``),
    read from the server's own text output, never from a Python rendering. A NULL maps to
    None: psql unsets that variable, so a later ``:name`` stays as it is written."""
    rows = cur.fetchall() if cur.description else []
    if len(rows) != 1:
        said = "no rows returned for \\gset" if not rows else "more than one row returned for \\gset"
        raise LearnerSqlError(
            f"Statement {statement.index} ({statement.short(60)}) ends with \\gset but returned {len(rows)} rows "
            f"(psql: {said}); \\gset needs exactly one row.",
            "Make the query return one row, e.g. filter on the primary key, or aggregate (count(*), bool_or()).",
            statement=statement,
        )
    result = cur.pgresult
    encoding = cur.connection.info.encoding
    values: dict[str, str | None] = {}
    for column, described in enumerate(cur.description):
        raw = result.get_value(0, column) if result is not None else None
        if raw is None:
            values[f"{statement.gset or ''}{described.name}"] = None
        elif result.fformat(column) == 0:  # text format: exactly the bytes psql prints
            values[f"{statement.gset or ''}{described.name}"] = bytes(raw).decode(encoding, "replace")
        else:  # a binary column (never requested here): fall back to its Python text
            values[f"{statement.gset or ''}{described.name}"] = str(rows[0][column])
    return values


def store_gset(variables: dict[str, str], values: dict[str, str | None]) -> None:
    """Set (or, for NULL, unset) the variables a \\gset produced, as psql does."""
    for name, value in values.items():
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = value
