"""One learner answer against one lab on one pooled MariaDB server.

The lab's data lives in a lab database built once per server (``setup.sql``, then
``hidden.sql`` for the hidden dataset) and analysed; each attempt gets clones of it
(``SHOW CREATE TABLE`` + ``INSERT … SELECT``, so indexes, keys and AUTO_INCREMENT come
along) that only it may touch, as the ``learner`` account with grants on that clone alone.

Learner SQL always runs as ``learner`` (no FILE, SUPER, PROCESS; ``max_statement_time``
per session; memory capped by the server's ``maximum-*``). A watchdog kills learner
queries at the deadline (``KILL QUERY`` from the admin session, then the server).
"""

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

import pymysql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout, PlatformClock
from labs.engines.mariadb.server import LEARNER, MAX_LAB_DATABASES, MariaServer
from labs.engines.mariadb.sql import ScriptError, Statement, describe_error, split_statements
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.spec import LabSpec

log = logging.getLogger(__name__)

VISIBLE, HIDDEN = "visible", "hidden"
DEFAULT_OPTIONS: dict[str, Any] = {"row_cap": 1000, "preview_rows": 50, "max_answer_bytes": 100_000}
PLATFORM_ALLOWANCE = 60.0  # seconds of our own work that may push the learner's deadline back
CANCEL_GRACE = 0.5
# What the learner may do in its attempt's database: data and schema, nothing that runs code
# on another account's behalf (TRIGGER, routines) and nothing outside that database.
LEARNER_GRANTS = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, "
    "LOCK TABLES, CREATE VIEW, SHOW VIEW"
)
_REFERENCES: OrderedDict[tuple, Any] = OrderedDict()


class LearnerSqlError(Exception):
    """The learner's SQL failed in an ordinary way: a failed check, with the server's words."""

    def __init__(self, message: str, hint: str = "", number: int = 0, statement: Statement | None = None):
        super().__init__(message)
        self.message, self.hint, self.number, self.statement = message, hint, number, statement


@dataclass
class Rows:
    columns: list[str]
    rows: list[tuple]
    truncated: bool = False

    def preview(self, limit: int) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": [[jsonable(v) for v in row] for row in self.rows[:limit]],
            "truncated": self.truncated or len(self.rows) > limit,
            "row_count": len(self.rows),
        }


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else value.isoformat()
    return str(value)


@dataclass
class ScriptOutcome:
    statements: list[Statement]
    error: LearnerSqlError | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def lab_options(spec: LabSpec) -> dict[str, Any]:
    return {**DEFAULT_OPTIONS, **spec.engine_options}


def ensure_lab_database(server: MariaServer, spec: LabSpec, dataset: str) -> str:
    """The lab's database for ``dataset`` on ``server`` (built and analysed on first use)."""
    key = f"{spec.content_hash()}:{dataset}"
    if key in server.lab_databases:
        return server.lab_databases[key]
    while len(server.lab_databases) >= MAX_LAB_DATABASES:
        old = server.lab_databases.pop(next(iter(server.lab_databases)))
        server.execute(f"DROP DATABASE IF EXISTS `{old}`")
    name = f"lab_{spec.content_hash()}_{dataset[0]}"
    server.execute(f"DROP DATABASE IF EXISTS `{name}`")
    server.execute(f"CREATE DATABASE `{name}`")
    conn = server.connect(database=name)
    try:
        with conn.cursor() as cur:
            for filename, script in (("setup.sql", spec.seed), ("hidden.sql", spec.hidden_seed)):
                if filename == "hidden.sql" and dataset != HIDDEN:
                    continue
                for statement in split_statements(script or ""):
                    try:
                        cur.execute(statement.text)
                        cur.fetchall()
                    except pymysql.MySQLError as exc:
                        where = f"lab {spec.id}: {filename} statement {statement.index}"
                        raise SandboxError(f"{where} failed: {exc}") from exc
    except BaseException:
        with contextlib.suppress(Exception):
            server.execute(f"DROP DATABASE IF EXISTS `{name}`")
        raise
    finally:
        conn.close()
    server.lab_databases[key] = name
    return name


def clone_database(server: MariaServer, source: str, target: str) -> None:
    """Copy every base table of ``source`` into a new database ``target`` and analyse it."""
    conn = server.connect(database=source)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{target}`")
            cur.execute("SET SESSION foreign_key_checks = 0")
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'"
                " ORDER BY table_name",
                (source,),
            )
            tables = [row[0] for row in cur.fetchall()]
            for table in tables:
                cur.execute(f"SHOW CREATE TABLE `{source}`.`{table}`")
                create = cur.fetchone()[1]
                cur.execute(f"USE `{target}`")
                cur.execute(create)  # unqualified: foreign keys point into the clone too
                cur.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                    "AND extra NOT LIKE '%%GENERATED%%' ORDER BY ordinal_position",
                    (source, table),
                )
                columns = ", ".join(f"`{row[0]}`" for row in cur.fetchall())
                cur.execute(f"INSERT INTO `{target}`.`{table}` ({columns}) SELECT {columns} FROM `{source}`.`{table}`")
            if tables:
                # Plans read statistics: fresh ones, not whatever the background thread got to.
                cur.execute("ANALYZE TABLE " + ", ".join(f"`{target}`.`{t}`" for t in tables))
                cur.fetchall()
    finally:
        conn.close()


class MariaAttempt(PlatformClock, Attempt):
    """What MariaDB checks receive. ``deadline`` is paused during platform work."""

    platform_allowance = PLATFORM_ALLOWANCE

    def __init__(self, spec: LabSpec, answer: str, deadline: float, server: MariaServer):
        self.start_clock(deadline)
        super().__init__(spec=spec, answer=answer, deadline=deadline)
        self.server = server
        self.options = lab_options(spec)
        self.row_cap = int(self.options["row_cap"])
        self.preview_rows = int(self.options["preview_rows"])
        self.timed_out = False
        self.healthy = True
        self._databases: dict[str, str] = {}
        self._clones: list[str] = []
        self._applied: dict[str, ScriptOutcome] = {}
        self._learner_conns: dict[str, pymysql.Connection] = {}
        self._tracked: list[pymysql.Connection] = []
        self._busy = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._statements: list[Statement] | None = None

    def limit_breach(self) -> str | None:
        box = self.server.sandbox.box
        return box.breach() if box is not None else None

    # -- the answer and the databases

    @property
    def statements(self) -> list[Statement]:
        if self._statements is None:
            try:
                self._statements = split_statements(self.answer)
            except ScriptError as exc:
                raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from exc
        return self._statements

    @property
    def has_hidden(self) -> bool:
        return self.spec.hidden_seed is not None

    @property
    def solution(self) -> str:
        return self.spec.solution_path.read_text(encoding="utf-8")

    def database(self, dataset: str = VISIBLE) -> str:
        """This attempt's own copy of ``dataset`` (made on first use)."""
        if dataset not in self._databases:
            self._databases[dataset] = self.scratch_database(dataset)
        return self._databases[dataset]

    def scratch_database(self, dataset: str = VISIBLE) -> str:
        """A fresh private copy of ``dataset`` (reference runs, replays), the learner's to use."""
        with self.platform_work():
            source = ensure_lab_database(self.server, self.spec, dataset)
            name = f"att_{secrets.token_hex(6)}"
            self._clones.append(name)
            clone_database(self.server, source, name)
            self.server.execute(f"GRANT {LEARNER_GRANTS} ON `{name}`.* TO {LEARNER}@localhost")
        return name

    # -- connections

    def connect_learner(self, database: str, *, platform: bool = False) -> pymysql.Connection:
        """A new autocommit connection as the learner, tracked for the watchdog."""
        seconds = 60.0 if platform else max(0.05, self.remaining())
        try:
            conn = self.server.connect(
                LEARNER, database, init_command=f"SET SESSION max_statement_time = {seconds:.3f}",
                read_timeout=int(seconds) + 30,
            )  # fmt: skip
        except pymysql.MySQLError as exc:
            self.healthy = self.server.alive()
            raise SandboxError(f"cannot connect to the sandbox as the learner: {exc}") from exc
        with self._lock:
            self._tracked.append(conn)
        return conn

    def learner(self, dataset: str = VISIBLE) -> pymysql.Connection:
        conn = self._learner_conns.get(dataset)
        if conn is None or not conn.open:
            database = self.database(dataset)
            with self.platform_work():
                conn = self._learner_conns[dataset] = self.connect_learner(database)
        return conn

    def admin(self, dataset: str = VISIBLE) -> pymysql.Connection:
        """A root connection to the attempt's database: catalog reads and EXPLAIN only (it never
        runs learner code: a learner view runs as its definer, the learner)."""
        return self.server.connect(database=self.database(dataset))

    # -- running learner SQL

    @contextlib.contextmanager
    def learner_call(self, statement: Statement | None = None) -> Iterator[None]:
        if time.monotonic() >= self.deadline:
            self.timed_out = True
            raise LearnerTimeout(self.timeout_message())
        with self._lock:
            self._busy += 1
        try:
            yield
        except pymysql.MySQLError as exc:
            number, message, hint = describe_error(exc)
            if self.timed_out or number in (1969, 3024) and time.monotonic() >= self.deadline - 0.05:
                raise LearnerTimeout(self.timeout_message()) from exc
            if number in (2006, 2013, 2014) or isinstance(exc, (pymysql.OperationalError, pymysql.InterfaceError)) \
                    and number >= 2000:  # fmt: skip
                if self.timed_out:
                    raise LearnerTimeout(self.timeout_message()) from exc
                if not self.server.alive():
                    self.healthy = False
                    breach = self.limit_breach()
                    if breach:
                        raise AnswerRejected(breach) from exc
                    raise SandboxError(f"the MariaDB server stopped: {self.server.process.log_tail(5)}") from exc
            where = f"Statement {statement.index} ({statement.short(60)}) failed: " if statement else ""
            raise LearnerSqlError(f"{where}MariaDB error {number}: {message}", hint, number, statement) from exc
        finally:
            with self._lock:
                self._busy -= 1

    def timeout_message(self) -> str:
        return (
            f"Your answer ran past this lab's limit of {self.spec.time_limit:g} s and was stopped. Look for a "
            "statement that scans far more rows than it needs, a SLEEP(), or a transaction waiting for a lock."
        )

    def run_script(self, statements: list[Statement], dataset: str = VISIBLE) -> ScriptOutcome:
        """Run statements one by one in autocommit mode, as the mariadb client would; stop at
        the first error; roll back a transaction left open, as a disconnect would."""
        outcome = ScriptOutcome(statements)
        conn = self.learner(dataset)
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    with self.learner_call(statement):
                        cur.execute(statement.text)
                        while cur.nextset():
                            pass
        except LearnerSqlError as exc:
            outcome.error = exc
        with contextlib.suppress(pymysql.MySQLError):
            if _in_transaction(conn):
                outcome.notes.append("Your script left a transaction open; it was rolled back.")
                conn.rollback()
        return outcome

    def apply_answer(self, dataset: str = VISIBLE) -> ScriptOutcome:
        if dataset not in self._applied:
            self._applied[dataset] = self.run_script(self.statements, dataset)
        return self._applied[dataset]

    def fetch(self, sql: str, dataset: str = VISIBLE, *, conn: pymysql.Connection | None = None) -> Rows:
        """Rows of one query, at most ``row_cap`` (streamed, so a huge result stays on the server)."""
        statements = split_statements(sql)
        if not statements:
            raise LearnerSqlError("There is no query to run.", "Write a SELECT statement that returns the rows.")
        conn = conn or self.learner(dataset)
        *before, last = statements
        with conn.cursor() as cur:
            for statement in before:
                with self.learner_call(statement):
                    cur.execute(statement.text)
        cur = conn.cursor(pymysql.cursors.SSCursor)
        with self.learner_call(last):
            cur.execute(last.text)
            rows = list(cur.fetchmany(self.row_cap + 1))
            columns = [d[0] for d in cur.description or []]
        truncated = len(rows) > self.row_cap
        if truncated:
            # An unbuffered result must be read to its end or killed: kill it, and retire the
            # connection (its protocol state is spent) so the next call opens a fresh one.
            self._kill_query(conn)
            with contextlib.suppress(Exception):
                conn.close()
            for dataset_name, shared in list(self._learner_conns.items()):
                if shared is conn:
                    del self._learner_conns[dataset_name]
        else:
            with self.learner_call(last):
                cur.close()
        return Rows(columns, [tuple(r) for r in rows[: self.row_cap]], truncated)

    def reference(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A value computed from the reference solution, cached per process."""
        digest = hashlib.sha256(self.solution.encode()).hexdigest()
        full = (self.spec.content_hash(), digest, *key)
        if full in _REFERENCES:
            return _REFERENCES[full]
        with self.platform_work():
            try:
                value = compute()
            except (LearnerSqlError, AnswerRejected, LearnerTimeout) as exc:
                raise SandboxError(f"lab {self.spec.id}: the reference solution failed: {exc}") from exc
        _REFERENCES[full] = value
        while len(_REFERENCES) > 256:
            _REFERENCES.popitem(last=False)
        return value

    # -- watchdog and teardown

    def start_watchdog(self) -> None:
        self._watchdog = threading.Thread(target=self._watch, name=f"mariadb-watchdog-{self.spec.id}", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        while not self._closed.is_set():
            wait = self.deadline - time.monotonic()
            if wait > 0:
                self._closed.wait(min(wait, 0.25))
                continue
            with self._lock:
                busy, conns = self._busy, list(self._tracked)
            if not busy:
                self._closed.wait(0.02)
                continue
            self.timed_out = True
            for conn in conns:
                self._kill_query(conn)
            if self._closed.wait(CANCEL_GRACE):
                return
            with self._lock:
                busy = self._busy
            if busy:
                log.warning("learner SQL outlived KILL QUERY for lab %s: killing its server", self.spec.id)
                self.abort()
                return

    def _kill_query(self, conn: pymysql.Connection) -> None:
        with contextlib.suppress(Exception):
            self.server.execute(f"KILL QUERY {int(conn.thread_id())}")

    def abort(self) -> None:
        self.timed_out = True
        self.healthy = False
        self.server.kill()

    def close(self) -> None:
        """Drop the clones, end learner sessions, undo what the learner may change on its own
        account (its password); any trouble discards the server."""
        self._closed.set()
        with self._lock:
            conns, self._tracked = self._tracked, []
        if self._watchdog is not None:
            self._watchdog.join(timeout=2)
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        if not self.server.alive():
            self.healthy = False
            return
        try:
            for row in self.server.execute(
                "SELECT id FROM information_schema.processlist WHERE user = %s", (LEARNER,)
            ):
                with contextlib.suppress(pymysql.MySQLError):
                    self.server.execute(f"KILL CONNECTION {int(row[0])}")
            for name in self._clones:
                self.server.execute(f"DROP DATABASE IF EXISTS `{name}`")
                self.server.execute(f"REVOKE ALL PRIVILEGES ON `{name}`.* FROM {LEARNER}@localhost")
            self.server.execute(
                f"ALTER USER {LEARNER}@localhost IDENTIFIED BY %s", (self.server.accounts["learner"],)
            )
        except pymysql.MySQLError as exc:
            log.warning("cleanup of a MariaDB attempt failed, discarding the server: %s", exc)
            self.healthy = False


def _in_transaction(conn: pymysql.Connection) -> bool:
    return bool(conn.server_status & 0x0001)  # SERVER_STATUS_IN_TRANS
