"""Two (or more) learner sessions on MariaDB, interleaved statement by statement.

Each session is a real connection as the learner, driven by a thread of its own. The
scheduler starts the steps in the planned order (A1 B1 A2 B2 … or a lab's explicit script);
a step that waits for a lock lets the other sessions go on, exactly like two people at two
``mariadb`` prompts. Waiting is seen from the platform's own root connection, never from
what the learner's SQL reports: ``information_schema.INNODB_LOCK_WAITS`` (joined to
``INNODB_TRX`` and ``INNODB_LOCKS``, which name the blocking session and the lock it holds)
for row, gap and next-key locks, and the processlist state for table, metadata and user
locks, which InnoDB's tables do not show.

Sessions run in autocommit mode, so START TRANSACTION/COMMIT in the answer mean what they
mean in the client. The lab's per-session values are MariaDB user variables (``@doctor``),
set before the session's first statement and again before a retry, as an application binds
its parameters each time it runs the transaction.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import pymysql

from labs.engines.mariadb.attempt import LearnerSqlError, MariaAttempt, jsonable
from labs.engines.mariadb.sql import Statement

SETTLE_POLL = 0.005  # seconds between looks at a running step
BLOCK_CHECK_AFTER = 0.02  # ask the lock tables only about steps slower than this
# InnoDB refreshes the cache behind INNODB_TRX / INNODB_LOCK_WAITS / INNODB_LOCKS only when it
# was last read more than 100 ms ago (CACHE_MIN_REFRESH_TIME): looks closer together than that,
# by any step, keep reading the same stale snapshot and can miss a wait or see one that ended.
# Every look is therefore at least this far from the previous one, whichever step made it.
BLOCK_CHECK_EVERY = 0.11
SLOW_STEP = 2.0  # a step neither done nor waiting for a lock after this long is left running
DEADLOCK, LOCK_WAIT_TIMEOUT = 1213, 1205
# MariaDB reports a deadlock met while an INSERT … SELECT waits for the table's AUTO_INCREMENT
# lock (innodb_autoinc_lock_mode 1, its default) as 1467 "Failed to read auto-increment value";
# the victim's transaction is rolled back all the same. InnoDB's deadlock counter tells them apart.
AUTOINC_FAILED = 1467
# processlist states of a thread waiting for a lock InnoDB's lock tables do not list
WAIT_STATES = ("Waiting for table metadata lock", "Waiting for table level lock", "User lock")
LOCK_WAITS_SQL = """
SELECT b.trx_mysql_thread_id, l.lock_mode, l.lock_type, l.lock_table, l.lock_index
FROM information_schema.INNODB_TRX r
JOIN information_schema.INNODB_LOCK_WAITS w ON w.requesting_trx_id = r.trx_id
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.blocking_lock_id
WHERE r.trx_mysql_thread_id = %s"""


@dataclass
class Step:
    session: str
    statement: Statement
    learner: bool = True  # the answer's code, or the lab's own statement (a probe)
    expect: str = ""  # "waits" / "runs": what the lab requires of this (lab) step
    label: str = ""  # what the step is, in the lab's words ("a booking for another doctor")
    why: str = ""  # why the expectation matters, in the lab's words


@dataclass
class Wait:
    """A step seen waiting: for whom, and on which lock."""

    blockers: list[str]
    lock: str = ""  # "an exclusive gap lock on index `doctor_id` (doctor_id) of `appointments`"
    lock_index: str = ""


@dataclass
class Session:
    name: str
    conn: pymysql.Connection
    thread_id: int
    variables: dict[str, Any]
    steps: list[Step] = field(default_factory=list)  # every step, for a retry
    backlog: deque[Step] = field(default_factory=deque)
    pending: tuple[Step, Future, float] | None = None  # step, its future, when it started
    aborted: int = 0  # error number that ended its transaction this round
    abort_error: str = ""
    abort_fast: bool = False  # the error came at once (NOWAIT, a zero lock wait timeout)
    failures: list[int] = field(default_factory=list)
    retries: int = 0
    waited: Wait | None = None  # its running step was seen waiting for a lock
    slow: bool = False


@dataclass
class StepRecord:
    """What became of a step that carries an expectation."""

    step: Step
    waited: Wait | None = None
    finished: bool = False


class Scenario:
    """Plays the steps on real sessions and remembers what happened (the timeline)."""

    def __init__(self, attempt: MariaAttempt, database: str, params: dict[str, Any], steps: list[Step]):
        self.attempt, self.database, self.params, self.steps = attempt, database, params, steps
        self.timeline: list[dict[str, Any]] = []
        self.errors: list[tuple[str, Step, LearnerSqlError]] = []  # errors that are the answer's bug
        self.records: list[StepRecord] = []
        self.sessions: dict[str, Session] = {}
        self.still_open: list[str] = []
        self._index_columns: dict[tuple[str, str], str] = {}
        self._last_lock_look = 0.0  # monotonic time of the last read of InnoDB's lock tables
        names = list(dict.fromkeys([str(s) for s in params.get("sessions", [])] + [s.session for s in steps]))
        # root, and it only reads the lock tables and the processlist: nothing a learner made
        self.monitor = attempt.server.connect(database=database)
        self.executors: dict[str, ThreadPoolExecutor] = {}
        variables = params.get("variables", {})
        try:
            for name in names:
                conn = attempt.connect_learner(database)
                session = Session(name, conn, conn.thread_id(), dict(variables.get(name, {})))
                self.sessions[name] = session
                self._bind(session)
                self.executors[name] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"maria-{name}")
        except BaseException:
            self.close()
            raise
        for step in steps:
            self.sessions[step.session].steps.append(step)
        self._deadlocks = self._deadlock_count()

    def _deadlock_count(self) -> int:
        with self.attempt.platform_work(), self.monitor.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
            row = cur.fetchone()
        return int(row[1]) if row else 0

    def _bind(self, session: Session) -> None:
        """The lab's values as user variables (``SET @doctor = 3, @day = '2025-03-10'``)."""
        if not session.variables:
            return
        assignments = ", ".join(f"@`{key}` = %s" for key in session.variables)
        with self.attempt.platform_work(), session.conn.cursor() as cur:
            cur.execute(f"SET {assignments}", tuple(session.variables.values()))

    # -- playing

    def play(self) -> None:
        for step in self.steps:
            self.sessions[step.session].backlog.append(step)
            self._pump()
        self._drain()
        policy = {
            DEADLOCK: self.params.get("on_deadlock", "fail"),
            LOCK_WAIT_TIMEOUT: self.params.get("on_lock_wait_timeout", "fail"),
        }
        max_retries = int(self.params.get("max_retries", 3))
        for session in self.sessions.values():
            while policy.get(session.aborted) == "retry" and session.retries < max_retries:
                session.retries += 1
                session.aborted, session.abort_error = 0, ""
                self.timeline.append({"session": session.name, "event": "retry", "sql": "(the transaction again)"})
                self._bind(session)
                session.backlog.extend(session.steps)
                self._drain()
        # like the client on exit: a transaction left open is rolled back (and the learner told)
        for session in self.sessions.values():
            if session.conn.server_status & 0x0001:  # SERVER_STATUS_IN_TRANS
                self.still_open.append(session.name)
                self._rollback(session)

    def _drain(self) -> None:
        while any(s.backlog or s.pending for s in self.sessions.values()):
            if not self._pump():
                time.sleep(SETTLE_POLL)

    def _pump(self) -> bool:
        """Collect finished steps and start the next ones; True when something moved."""
        moved, changed = False, True
        while changed:
            changed = False
            for session in self.sessions.values():
                if session.pending is not None:
                    if not session.pending[1].done():
                        continue
                    self._finish(session)
                    changed = moved = True
                if session.backlog:
                    step = session.backlog.popleft()
                    if session.aborted:
                        self.timeline.append({"session": session.name, "sql": _short(step), "event": "skipped"})
                    else:
                        self._start(session, step)
                    changed = moved = True
        return moved

    def _start(self, session: Session, step: Step) -> None:
        record = StepRecord(step) if step.expect else None
        if record:
            self.records.append(record)
        future = self.executors[session.name].submit(self._execute, session, step)
        started = time.monotonic()
        session.pending = (step, future, started)
        session.slow, session.waited = False, None
        while not future.done():
            now = time.monotonic()
            if now - started > BLOCK_CHECK_AFTER and now - self._last_lock_look >= BLOCK_CHECK_EVERY:
                found = self._waiting(session)
                self._last_lock_look = time.monotonic()
                if found is not None:
                    session.waited = found
                    if record:
                        record.waited = found
                    self.timeline.append(
                        {"session": session.name, "sql": _short(step), "event": "waits", "for": found.blockers,
                         "lock": found.lock}
                    )  # fmt: skip
                    return
            if now - started > SLOW_STEP:
                # neither done nor waiting for a lock: left running, the others go on
                session.slow = True
                self.timeline.append({"session": session.name, "sql": _short(step), "event": "slow"})
                return
            wait([future], timeout=SETTLE_POLL)
        if record:
            record.finished = True

    def _waiting(self, session: Session) -> Wait | None:
        by_thread = {s.thread_id: s.name for s in self.sessions.values()}
        with self.attempt.platform_work(), self.monitor.cursor() as cur:
            cur.execute(LOCK_WAITS_SQL, (session.thread_id,))
            rows = cur.fetchall()
            if rows:
                blockers = list(dict.fromkeys(by_thread.get(r[0], f"thread {r[0]}") for r in rows))
                mode, kind, table, index = rows[0][1:5]
                return Wait(blockers, self._describe_lock(mode, kind, table, index), index or "")
            cur.execute("SELECT state FROM information_schema.processlist WHERE id = %s", (session.thread_id,))
            row = cur.fetchone()
        state = (row[0] or "") if row else ""
        if state in WAIT_STATES:
            others = [s.name for s in self.sessions.values() if s is not session]
            what = "a user lock (GET_LOCK)" if state == "User lock" else f"a table lock ({state.lower()})"
            return Wait(others, what)
        return None

    def _describe_lock(self, mode: str | None, kind: str | None, table: str | None, index: str | None) -> str:
        """The blocking lock in words: its mode, and which index (with its columns) it sits on."""
        if not mode:
            return ""
        parts = str(mode).split(",")
        strength = {"X": "an exclusive", "S": "a shared", "IX": "an intention-exclusive", "IS": "an intention-shared",
                    "AUTO_INC": "an AUTO_INCREMENT"}.get(parts[0], f"a {parts[0]}")  # fmt: skip
        what = "gap lock" if "GAP" in parts else ("table lock" if kind == "TABLE" else "lock")
        if kind == "RECORD" and "GAP" not in parts:
            what = "next-key lock (the row and the gap before it)"
        table = f"`{table.split('.')[-1].strip('`')}`" if table else ""  # not the attempt's database name
        where = f" on {table}" if table else ""
        if index:
            if index in ("PRIMARY", "GEN_CLUST_INDEX"):
                where = f" on the primary key (the rows themselves) of {table}"
            else:
                columns = self._columns(table or "", index)
                where = f" on index `{index}`" + (f" ({columns})" if columns else "") + f" of {table}"
        return f"{strength} {what}{where}"

    def _columns(self, table: str, index: str) -> str:
        name = table.split(".")[-1].strip("`")
        key = (name, index)
        if key not in self._index_columns:
            with self.monitor.cursor() as cur:
                cur.execute(
                    "SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ', ')"
                    " FROM information_schema.statistics"
                    " WHERE table_schema = DATABASE() AND table_name = %s AND index_name = %s",
                    (name, index),
                )
                row = cur.fetchone()
            self._index_columns[key] = (row[0] or "") if row else ""
        return self._index_columns[key]

    def _execute(self, session: Session, step: Step) -> dict[str, Any]:
        """Runs in the session's own thread."""
        event: dict[str, Any] = {"session": session.name, "sql": _short(step), "event": "ok"}
        with session.conn.cursor() as cur, self.attempt.learner_call(step.statement):
            cur.execute(step.statement.text)
            if cur.description:
                event["rows"] = [[jsonable(v) for v in row] for row in cur.fetchmany(3)]
            while cur.nextset():
                pass
        if step.statement.first_word in ("SELECT", "SET") and "@" in step.statement.text:
            event["values"] = self._user_values(session, step)
        return event

    def _user_values(self, session: Session, step: Step) -> dict[str, Any]:
        """The user variables a statement set (``SELECT COUNT(*) INTO @n``), for the story."""
        names = [n for n in dict.fromkeys(re.findall(r"@`?(\w+)", step.statement.code.lower()))
                 if n not in session.variables][:4]  # fmt: skip
        if not names:
            return {}
        with session.conn.cursor() as cur:
            cur.execute("SELECT " + ", ".join(f"@`{n}`" for n in names))
            row = cur.fetchone()
        return {n: jsonable(v) for n, v in zip(names, row or (), strict=False)}

    def _finish(self, session: Session) -> None:
        step, future, started = session.pending
        session.pending = None
        session.slow = False
        waited = session.waited
        try:
            event = future.result()
            if waited:
                event["after_waiting"] = True
            self.timeline.append(event)
            return
        except LearnerSqlError as exc:
            error = exc
        if error.number == AUTOINC_FAILED:
            count = self._deadlock_count()
            if count > self._deadlocks:
                error.number = DEADLOCK  # the same deadlock, under another number
                error.message += " (InnoDB found a deadlock: this session's transaction was rolled back)"
            self._deadlocks = count
        self.timeline.append(
            {"session": session.name, "sql": _short(step), "event": "error", "number": error.number,
             "error": error.message}
        )  # fmt: skip
        session.aborted = error.number or -1
        session.abort_error = error.message
        session.abort_fast = waited is None and time.monotonic() - started < 1.0
        session.failures.append(session.aborted)
        if error.number not in (DEADLOCK, LOCK_WAIT_TIMEOUT):
            self.errors.append((session.name, step, error))
        # an application rolls back at once: a failed transaction's locks must not linger
        # (1205 undoes only the statement, the transaction and its locks stay open)
        self._rollback(session)

    def _rollback(self, session: Session) -> None:
        with session.conn.cursor() as cur, self.attempt.learner_call():
            cur.execute("ROLLBACK")

    def story(self, limit: int = 12) -> str:
        """The timeline in one line: who ran what, who waited for whom, what they read."""
        parts = []
        for event in self.timeline[:limit]:
            text = f"{event['session']}: {event['sql']}"
            if event.get("after_waiting"):
                text += " (goes through)"
            if event.get("values"):
                text += " → " + ", ".join(f"@{k}={v}" for k, v in event["values"].items())
            elif event.get("event") == "waits":
                text += f" (waits for {', '.join(event['for'])})"
            elif event.get("event") == "error":
                text += f" (error {event['number']})"
            elif event.get("event") == "skipped":
                text += " (skipped: the transaction had failed)"
            elif event.get("event") == "retry":
                text = f"{event['session']} retries its transaction"
            parts.append(text)
        if len(self.timeline) > limit:
            parts.append("…")
        return "; ".join(parts)

    def close(self) -> None:
        """Stop whatever still runs (an exception left sessions waiting), then close everything."""
        for session in self.sessions.values():
            if session.pending is not None and not session.pending[1].done():
                with contextlib.suppress(Exception):
                    self.attempt.server.execute(f"KILL QUERY {int(session.thread_id)}")
        for executor in self.executors.values():
            executor.shutdown(wait=True, cancel_futures=True)
        for session in self.sessions.values():
            with contextlib.suppress(Exception):
                session.conn.close()
        with contextlib.suppress(Exception):
            self.monitor.close()


def _short(step: Step, width: int = 70) -> str:
    return f"`{step.statement.short(width)}`"
