"""The ``concurrency`` check: two or more sessions interleaved on a script, then an invariant.

Each session is a real connection (as the learner) driven by its own thread. The scheduler
runs the steps in the given order; when a step blocks on a lock (``pg_blocking_pids``), the
scheduler moves on to the other sessions, exactly like two people at two psql prompts. The
sessions run in autocommit mode, so BEGIN/COMMIT in the SQL mean what they mean in psql, and
psql's ``\\gset`` and ``:variables`` work in the learner's code.

Learner statements see only the lab's declared ``variables`` and their own ``\\gset`` values;
the grader's (``:session``, values the lab's own script steps store) stay with the grader.

The sessions must really overlap: a step that runs past ``SLOW_STEP`` without waiting for a
lock lets the others run on alone (a ``pg_sleep`` in one session would serialise a racy
answer). When that happens the scenario is replayed on a fresh copy of the data, waiting for
slow steps so the planned order holds; a step still running after ``PATIENT_STEP`` then fails
the check ("your sessions never overlapped").

Parameters::

    answer = "body"             # "body": the answer is a transaction body every session runs
                                # "isolation": the answer names an isolation level
    sessions = ["A", "B"]
    body = "{{answer}}"         # lockstep mode: each session runs this, statement by statement
                                # in turn (A1 B1 A2 B2 …); {{answer}} expands to the answer
    script = [ { session = "A", sql = "BEGIN ISOLATION LEVEL {{answer}}" }, … ]   # explicit order
    variables = { A = { amount = 10 }, B = { amount = 20 } }   # psql variables per session
    setup = "UPDATE accounts SET balance = 100 WHERE id = 1"   # before the sessions start
    invariant = "SELECT balance FROM accounts WHERE id = 1"
    expect = [[70]]
    anomaly = "lost update"     # named in the failure message
    on_serialization_failure = "retry"   # an application retries 40001; "fail" reports it
    on_deadlock = "fail"                 # deadlocks (40P01) fail the check; "retry" retries
    variants = [ { variables = { A = { sku = "MS-210" } }, setup = "…", expect = [[…]] } ]
                                # the scenario again, on a fresh copy of the data, with these keys
                                # (variables, setup, invariant, expect) replaced: hard-coded values fail
    hint = "..."
"""

from __future__ import annotations

import re
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import psycopg

from labs.checks.pg_common import sql_error_result
from labs.checks.result import values_equal
from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_sql import ScriptError, Statement, split_statements, substitute_variables
from labs.sandbox.postgres import VISIBLE, LearnerSqlError, PgAttempt, _gset, jsonable, store_gset
from labs.spec import CheckSpec

LEVELS = ("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")
SETTLE_POLL = 0.005  # seconds between looks at a running step
BLOCK_CHECK_AFTER = 0.02  # ask pg_blocking_pids only for steps slower than this
SLOW_STEP = 2.0  # a step neither done nor blocked after this long is left running
PATIENT_STEP = 8.0  # in a replay, the longest a step may run unblocked before the check fails
RETRYABLE = {"40001": "serialization failure", "40P01": "deadlock"}


@dataclass
class Step:
    session: str
    statement: Statement
    learner: bool = True  # the answer's code (sees learner variables only) or the lab's own step


@dataclass
class Session:
    name: str
    conn: psycopg.Connection
    pid: int
    variables: dict[str, str]  # what learner statements see: the lab's variables, their own \\gset
    grader_variables: dict[str, str]  # what the lab's own steps see: also :session, their \\gset
    steps: list[Step] = field(default_factory=list)  # every step of this session, for retries
    backlog: deque[Step] = field(default_factory=deque)
    pending: tuple[Step, Future] | None = None
    aborted: str = ""  # sqlstate that ended its transaction this round
    abort_error: str = ""  # the server's message for it (55P03: lock timeout or NOWAIT?)
    failures: list[str] = field(default_factory=list)  # sqlstates over all rounds
    retries: int = 0
    waited: bool = False  # its running step was seen blocked on a lock
    slow: bool = False  # its running step passed SLOW_STEP without waiting for a lock


def check(attempt: PgAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    lab_hint = str(params.get("hint", ""))
    try:
        answer_text = _answer_text(attempt, params)
    except _BadAnswer as exc:
        return CheckResult("concurrency", False, exc.message, exc.hint or lab_hint)
    try:
        steps = _build_steps(attempt, params, answer_text)
    except ScriptError as exc:
        return CheckResult("concurrency", False, exc.message, exc.hint or lab_hint)
    result = _scenario(attempt, attempt.database(VISIBLE), params, steps, lab_hint)
    variants = [v for v in params.get("variants", []) if isinstance(v, dict)]
    if not result.passed or not variants:
        return result
    # The same scenario with other values (another product, quantities, customers), each on a
    # fresh copy of the data: an answer that wrote the lab's values into its SQL fails here.
    for variant in variants:
        merged = {**params, **{k: v for k, v in variant.items() if k in VARIANT_KEYS}}
        try:
            variant_steps = _build_steps(attempt, merged, answer_text)
        except ScriptError as exc:
            return CheckResult("concurrency", False, exc.message, exc.hint or lab_hint)
        outcome = _scenario(attempt, attempt.scratch_database(VISIBLE), merged, variant_steps, lab_hint)
        if not outcome.passed:
            outcome.message = f"With other values ({_describe_variables(merged)}): {outcome.message}"
            outcome.artifacts["variant"] = {k: variant[k] for k in variant if k in VARIANT_KEYS}
            return outcome
    result.message += f" It held again with other values ({len(variants)} more run{'s' if len(variants) > 1 else ''})."
    return result


VARIANT_KEYS = ("variables", "setup", "invariant", "expect")


def _describe_variables(params: dict[str, Any]) -> str:
    """'A: sku=MS-210, qty=3; B: …' — the values a variant ran with (the lab's own, not hidden)."""
    variables = params.get("variables", {})
    return "; ".join(
        f"{name}: " + ", ".join(f"{key}={value}" for key, value in values.items()) for name, values in variables.items()
    )


def _scenario(
    attempt: PgAttempt, database: str, params: dict[str, Any], steps: list[Step], lab_hint: str
) -> CheckResult:
    """Play the steps once on ``database`` (replayed in order if a slow step was overtaken)."""
    run = _play(attempt, database, params, steps, patient=False)
    if run.overtaken:
        # One session ran on while another's step was merely slow: the planned interleaving
        # did not happen, so this round proves nothing. Replay on a fresh copy of the data,
        # this time waiting for slow steps.
        first = run.overtaken
        try:
            run = _play(attempt, attempt.scratch_database(VISIBLE), params, steps, patient=True)
        except NeverOverlapped as exc:
            return CheckResult(
                "concurrency",
                False,
                f"Your sessions never overlapped: session {exc.session}'s statement {exc.shown} ran for more "
                f"than {exc.seconds:g} s without waiting for any lock, so the other sessions could not run "
                "interleaved with it as planned, and the check cannot show that your transaction is safe "
                "when checkouts really run at the same moment.",
                _hints(
                    lab_hint,
                    "Remove sleeps and slow work from the transaction. When a session must wait for another, "
                    "make it wait for a lock (SELECT … FOR UPDATE, an UPDATE of the same row).",
                ),
                artifacts={"timeline": exc.timeline},
            )
        run.notes.append(
            f"session {first[0]}'s statement {first[1]} ran for over {SLOW_STEP:g} s without waiting for a lock "
            "while the others went on, so the sessions were replayed in the planned order, waiting for it"
        )
    return run.verdict(lab_hint)


class NeverOverlapped(Exception):
    """In a replay, a step ran past PATIENT_STEP without waiting for any lock."""

    def __init__(self, session: str, shown: str, seconds: float, timeline: list[dict[str, Any]]):
        super().__init__(f"session {session} never overlapped")
        self.session, self.shown, self.seconds, self.timeline = session, shown, seconds, timeline


def _play(attempt: PgAttempt, database: str, params: dict[str, Any], steps: list[Step], *, patient: bool) -> Scenario:
    if params.get("setup"):
        with attempt.platform_work(), attempt.connect_learner(database, platform=True) as conn:
            outcome = attempt.run_script(str(params["setup"]), VISIBLE, conn=conn)
            if not outcome.ok:
                # the lab's own script is broken: a platform problem, not the learner's
                raise SandboxError(f"lab {attempt.spec.id}: the concurrency setup failed: {outcome.error}")
    run = Scenario(attempt, database, params, steps, patient=patient)
    try:
        run.play()
    finally:
        run.close()
    return run


class _BadAnswer(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def _answer_text(attempt: PgAttempt, params: dict[str, Any]) -> str:
    if params.get("answer", "body") != "isolation":
        return attempt.answer
    words = " ".join(attempt.answer.replace(";", " ").upper().split())
    found = re.search(r"READ UNCOMMITTED|READ COMMITTED|REPEATABLE READ|SERIALIZABLE", words)
    if not found:
        raise _BadAnswer(
            f"Your answer should name a transaction isolation level, one of {', '.join(LEVELS)}; "
            f"it says {attempt.answer.strip()[:60]!r}.",
            "Write just the level, e.g. REPEATABLE READ.",
        )
    return found.group(0)


def _expand(sql: str, answer_text: str, answer_statements: list[Statement], body: bool) -> list[tuple[Statement, bool]]:
    """The step's statements, each with whether it is learner code. In ``isolation`` mode the
    answer is only a validated level name, so a step embedding it stays the lab's own."""
    if sql.strip() == "{{answer}}":
        return [(s, True) for s in answer_statements]
    learner = body and "{{answer}}" in sql
    return [(s, learner) for s in split_statements(sql.replace("{{answer}}", answer_text))]


def _build_steps(attempt: PgAttempt, params: dict[str, Any], answer_text: str) -> list[Step]:
    is_body = params.get("answer", "body") == "body"
    answer_statements = split_statements(answer_text) if is_body else []
    if is_body and not answer_statements:
        raise ScriptError("Your answer is empty: write the transaction each session runs.")
    if params.get("script"):
        steps = []
        for item in params["script"]:
            for statement, learner in _expand(str(item["sql"]), answer_text, answer_statements, is_body):
                steps.append(Step(str(item["session"]), statement, learner))
        return steps
    sessions = [str(s) for s in params.get("sessions", ["A", "B"])]
    body = _expand(str(params.get("body", "{{answer}}")), answer_text, answer_statements, is_body)
    return [Step(name, statement, learner) for statement, learner in body for name in sessions]


class Scenario:
    """Plays the steps on real sessions and remembers what happened (the timeline)."""

    def __init__(
        self, attempt: PgAttempt, database: str, params: dict[str, Any], steps: list[Step], *, patient: bool = False
    ):
        self.attempt, self.database, self.params, self.steps = attempt, database, params, steps
        self.patient = patient  # a replay: wait for slow steps instead of letting others overtake
        self.overtaken: tuple[str, str] | None = None  # (session, step) another session ran past
        self.notes: list[str] = []
        self.timeline: list[dict[str, Any]] = []
        self.errors: list[tuple[str, LearnerSqlError]] = []  # (session, error) that are the learner's bug
        self.sessions: dict[str, Session] = {}
        self.still_open: list[str] = []
        names = list(dict.fromkeys([str(s) for s in params.get("sessions", [])] + [s.session for s in steps]))
        # superuser (the learner cannot cancel it), search_path pg_catalog and every name
        # qualified: it only reads the lock manager, never anything a learner made
        self.monitor = attempt.connect_admin(database=database)
        variables = params.get("variables", {})
        for name in names:
            conn = attempt.connect_learner(database)
            lab_vars = {k: str(v) for k, v in variables.get(name, {}).items()}
            self.sessions[name] = Session(
                name, conn, conn.info.backend_pid, dict(lab_vars), {"session": name, **lab_vars}
            )
        self.executors = {name: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pg-{name}") for name in names}
        for step in steps:
            self.sessions[step.session].steps.append(step)

    # -- playing

    def play(self) -> None:
        for step in self.steps:
            self.sessions[step.session].backlog.append(step)
            self._pump()
        self._drain()
        policy = {
            "40001": self.params.get("on_serialization_failure", "retry"),
            "40P01": self.params.get("on_deadlock", "fail"),
        }
        max_retries = int(self.params.get("max_retries", 3))
        for session in self.sessions.values():
            while session.aborted in policy and policy[session.aborted] == "retry" and session.retries < max_retries:
                session.retries += 1
                session.aborted = ""
                self.timeline.append({"session": session.name, "event": "retry", "sql": "(the transaction again)"})
                session.backlog.extend(session.steps)
                self._drain()
        # like psql on exit: a transaction left open is rolled back (and the learner told)
        for session in self.sessions.values():
            if session.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.still_open.append(session.name)
                with self.attempt.learner_call():
                    session.conn.execute("ROLLBACK")

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
                        self.timeline.append(
                            {"session": session.name, "sql": step.statement.short(), "event": "skipped"}
                        )
                    else:
                        slow = next((s for s in self.sessions.values() if s is not session and s.slow), None)
                        if slow and slow.pending and not slow.pending[1].done() and not self.overtaken:
                            self.overtaken = (slow.name, _short(slow.pending[0].statement.text))
                        self._start(session, step)
                    changed = moved = True
        return moved

    def _start(self, session: Session, step: Step) -> None:
        future = self.executors[session.name].submit(self._execute, session, step)
        session.pending = (step, future)
        session.slow = False
        shown = step.statement.short(text=substitute_variables(step.statement.text, self._variables(session, step)))
        started = time.monotonic()
        limit = min(PATIENT_STEP, max(0.5, self.attempt.remaining() - 0.5)) if self.patient else SLOW_STEP
        while not future.done():
            waited = time.monotonic() - started
            if waited > BLOCK_CHECK_AFTER:
                blockers = self._blockers(session)
                if blockers:
                    self.timeline.append({"session": session.name, "sql": shown, "event": "waits", "for": blockers})
                    session.waited = True
                    return
            if waited > limit:
                if self.patient:
                    raise NeverOverlapped(session.name, _short(step.statement.text), round(limit, 1), self.timeline)
                session.slow = True  # left running: whoever starts next overtakes it
                return
            wait([future], timeout=SETTLE_POLL)

    def _variables(self, session: Session, step: Step) -> dict[str, str]:
        return session.variables if step.learner else session.grader_variables

    def _blockers(self, session: Session) -> list[str]:
        # Qualified, with an explicit int4: psycopg may send a small pid as int2, and an
        # unqualified call would then pick a learner's public.pg_blocking_pids(smallint).
        # A SERIALIZABLE DEFERRABLE transaction waits for a safe snapshot, not for a lock.
        with self.attempt.platform_work():
            pids = self.monitor.execute(
                "SELECT pg_catalog.array_cat(pg_catalog.pg_blocking_pids(%s::pg_catalog.int4),"
                " pg_catalog.pg_safe_snapshot_blocking_pids(%s::pg_catalog.int4))",
                (session.pid, session.pid),
            ).fetchone()[0]
        by_pid = {s.pid: s.name for s in self.sessions.values()}
        return [by_pid.get(pid, f"pid {pid}") for pid in pids]

    def _execute(self, session: Session, step: Step) -> dict[str, Any]:
        """Runs in the session's own thread."""
        variables = self._variables(session, step)
        shown = step.statement.short(text=substitute_variables(step.statement.text, variables))
        cur = self.attempt.execute_statement(session.conn, step.statement, variables)
        event: dict[str, Any] = {"session": session.name, "sql": shown, "event": "ok"}
        if session.waited:
            event["after_waiting"] = True
            session.waited = False
        if step.statement.gset is not None:
            values = _gset(cur, step.statement)
            store_gset(variables, values)
            event["row"] = {k: ("NULL" if v is None else v) for k, v in values.items()}
        elif cur.description:
            rows = cur.fetchmany(3)
            event["rows"] = [[jsonable(v) for v in row] for row in rows]
        return event

    def _finish(self, session: Session) -> None:
        step, future = session.pending
        session.pending = None
        session.slow = False
        try:
            self.timeline.append(future.result())
            return
        except LearnerSqlError as exc:
            error = exc
        self.timeline.append(
            {
                "session": session.name,
                "sql": step.statement.short(),
                "event": "error",
                "sqlstate": error.sqlstate,
                "error": _error_text(error),
            }
        )
        session.aborted = error.sqlstate or "error"
        session.abort_error = _error_text(error)
        session.failures.append(session.aborted)
        if error.sqlstate not in RETRYABLE and error.sqlstate != "55P03":
            self.errors.append((session.name, error))
        # an application rolls back at once: the failed transaction's locks must not linger
        with self.attempt.learner_call():
            if session.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                session.conn.execute("ROLLBACK")

    # -- judging

    def verdict(self, lab_hint: str) -> CheckResult:
        artifacts: dict[str, Any] = {"timeline": self.timeline}
        still_open = self.still_open
        if self.errors:
            name, error = self.errors[0]
            result = sql_error_result(error, lab_hint, "concurrency")
            result.message = f"Session {name}: {result.message}"
            result.artifacts.update(artifacts)
            return result
        for session in self.sessions.values():
            if session.aborted == "40P01":
                return CheckResult(
                    "concurrency",
                    False,
                    f"The sessions deadlocked: each waited for a lock the other held, and Postgres aborted "
                    f"session {session.name}'s transaction to break the cycle (SQLSTATE 40P01).",
                    _hints(
                        lab_hint,
                        "Take row locks in the same order in every transaction (e.g. SELECT … ORDER BY id FOR UPDATE), "
                        "or lock everything you need in one statement up front.",
                    ),
                    artifacts=artifacts,
                )
            if session.aborted == "40001":
                return CheckResult(
                    "concurrency",
                    False,
                    f"Session {session.name}'s transaction failed with a serialization failure (SQLSTATE 40001) "
                    "and was not retried, so its work was lost.",
                    _hints(
                        lab_hint,
                        "Under REPEATABLE READ or SERIALIZABLE, Postgres aborts one of two conflicting transactions; "
                        "the application must catch 40001 and run the whole transaction again.",
                    ),
                    artifacts=artifacts,
                )
            if session.aborted == "55P03" and "lock timeout" in session.abort_error.lower():
                return CheckResult(
                    "concurrency",
                    False,
                    f"Session {session.name} waited longer than the lock timeout "
                    f"({self.attempt.options['lock_timeout']}) for a lock and gave up "
                    "(lock_not_available, SQLSTATE 55P03).",
                    _hints(lab_hint, "Keep transactions short and make sure every transaction ends with COMMIT."),
                    artifacts=artifacts,
                )
            if session.aborted == "55P03":
                # NOWAIT (or LOCK … NOWAIT) fails at once when another session holds the lock:
                # no timeout was involved, and calling it one would send the learner the wrong way
                return CheckResult(
                    "concurrency",
                    False,
                    f"Session {session.name} asked for a lock that another session held and failed at once "
                    f"instead of waiting (lock_not_available, SQLSTATE 55P03: {session.abort_error}). "
                    "NOWAIT turns every moment of contention into an error, and the checkout service retries "
                    "only serialization failures (40001), so that customer got an error.",
                    _hints(
                        lab_hint,
                        "A checkout may wait a moment for another one to finish; it must not fail because of it.",
                    ),
                    artifacts=artifacts,
                )
        notes = list(self.notes)
        if notes:
            artifacts["replayed"] = notes[0]
        if still_open:
            notes.append(f"session {', '.join(still_open)} never committed (rolled back at the end)")
        invariant = self.params.get("invariant")
        if not invariant:
            return CheckResult("concurrency", True, "Every session finished without errors.", artifacts=artifacts)
        with self.attempt.connect_learner(self.database) as conn:
            rows = self.attempt.fetch(str(invariant), VISIBLE, conn=conn)
        got = [list(r) for r in rows.rows]
        expect = [list(r) for r in self.params.get("expect", [])]
        artifacts["invariant"] = {
            "query": invariant,
            "rows": [[jsonable(v) for v in r] for r in got],
            "expected": expect,
        }
        waits = sum(1 for e in self.timeline if e.get("event") == "waits")
        retried = sum(s.retries for s in self.sessions.values())
        if _rows_match(got, expect):
            detail = []
            if waits:
                detail.append(f"a session waited for another's lock {waits} time" + ("s" if waits > 1 else ""))
            if retried:
                detail.append(f"{retried} serialization failure" + ("s were" if retried > 1 else " was") + " retried")
            extra = f" ({'; '.join(detail)})" if detail else ""
            return CheckResult(
                "concurrency",
                True,
                f"After {_names(self.sessions)} ran concurrently, {_short(invariant)} returned {_show(got)} "
                f"as expected{extra}.",
                artifacts=artifacts,
            )
        anomaly = self.params.get("anomaly")
        what = f": a {anomaly}" if anomaly else ""
        if len(expect) > 1 and len(got) == len(expect):
            # several rows (every product): say which ones are off, an unrelated row changed is
            # another bug than the scenario's own row being wrong
            differ = [
                f"{_show([a]).strip('[]')} instead of {_show([b]).strip('[]')}"
                for a, b in zip(got, expect, strict=True)
                if not _rows_match([a], [b])
            ]
            what += f" (rows that differ: {'; '.join(differ)})"
        never = f" Note: {'; '.join(notes)}." if notes else ""
        return CheckResult(
            "concurrency",
            False,
            f"After {_names(self.sessions)} ran concurrently, {_short(invariant)} returned {_show(got)}, "
            f"expected {_show(expect)}{what}. What happened: {self._story()}.{never}",
            _hints(
                lab_hint,
                "Each session read a value another session was about to change. Lock the row you read "
                "(SELECT … FOR UPDATE), or let one UPDATE read and write in a single statement.",
            ),
            artifacts=artifacts,
        )

    def _story(self, limit: int = 10) -> str:
        parts = []
        for event in self.timeline[:limit]:
            text = f"{event['session']}: {event['sql']}"
            if event.get("after_waiting"):
                text += " (goes through)"
            if event.get("row"):
                text += " → " + ", ".join(f"{k}={v}" for k, v in event["row"].items() if k != "session")
            elif event.get("event") == "waits":
                text += f" (waits for {', '.join(event['for'])})"
            elif event.get("event") == "error":
                text += f" (error {event['sqlstate']})"
            elif event.get("event") == "retry":
                text = f"{event['session']} retries its transaction"
            parts.append(text)
        if len(self.timeline) > limit:
            parts.append("…")
        return "; ".join(parts)

    def close(self) -> None:
        """Cancel whatever still runs (an exception left sessions blocked), then close everything."""
        for session in self.sessions.values():
            if session.pending is not None and not session.pending[1].done():
                try:
                    session.conn.cancel_safe(timeout=1)
                except psycopg.Error:
                    pass
        for executor in self.executors.values():
            executor.shutdown(wait=True, cancel_futures=True)
        for session in self.sessions.values():
            try:
                session.conn.close()
            except psycopg.Error:
                pass
        self.monitor.close()


def _rows_match(got: list[list], expect: list[list]) -> bool:
    return len(got) == len(expect) and all(
        len(a) == len(b) and all(values_equal(x, y, 1e-6) for x, y in zip(a, b, strict=True))
        for a, b in zip(got, expect, strict=True)
    )


def _error_text(error: LearnerSqlError) -> str:
    return error.message[error.message.find("ERROR:") :] if "ERROR:" in error.message else error.message


def _names(sessions: dict[str, Session]) -> str:
    names = list(sessions)
    return "sessions " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])


def _short(sql: str) -> str:
    flat = " ".join(str(sql).split())
    return f"`{flat if len(flat) <= 70 else flat[:69] + '…'}`"


def _show(rows: list[list]) -> str:
    if len(rows) == 1 and len(rows[0]) == 1:
        return str(jsonable(rows[0][0]))
    return "[" + ", ".join("(" + ", ".join(str(jsonable(v)) for v in r) + ")" for r in rows) + "]"


def _hints(lab_hint: str, hint: str) -> str:
    return lab_hint or hint
