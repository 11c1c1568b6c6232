"""The ``concurrency`` check on MariaDB: the answer's transaction in two (or more) real sessions,
interleaved, then what the lab requires of the locks and of the data.

The answer is a script: leading DDL (``CREATE INDEX``, ``ALTER TABLE``, ``ANALYZE TABLE``)
runs once, before the sessions open, as an application's migration would; the rest is the
transaction every session runs. The sessions are played by ``mariadb_interleave``: a
statement that waits for a lock lets the others go on, and waiting is seen from the
platform's own connection (InnoDB's lock tables, the processlist), never taken from the
learner's word.

Parameters::

    sessions = ["A", "B"]        # lockstep: each session runs the answer's transaction, statement by
                                 # statement in turn (A1 B1 A2 B2 …)
    script = [                   # or an explicit order; {{answer_open}} is the transaction without its
      { session = "A", sql = "{{answer_open}}" },   # final COMMIT (left open for the lab's probes)
      { session = "P", sql = "INSERT …", expect = "waits", label = "a booking for the same slot",
        why = "…" },             # expect: "waits" / "runs" while the others' transactions are open
      { session = "A", sql = "COMMIT" },
    ]
    variables = { A = { doctor = 3, day = "2025-03-10" } }   # MariaDB user variables per session
    setup = "DELETE FROM …"      # the lab's own SQL (as root) before the answer's DDL
    invariant = "SELECT …"       # after every session ended; compared with expect
    expect = [[4, 1203]]
    anomaly = "phantom booking"  # named when the invariant fails
    on_deadlock = "retry"        # error 1213: "retry" the whole transaction (as the app does) or "fail"
    on_lock_wait_timeout = "fail"   # error 1205: "fail" or "retry"
    max_retries = 3
    variants = [ { variables = …, setup = …, invariant = …, expect = … } ]   # the scenario again on a
                                 # fresh copy with other values: an answer with the lab's values written in fails
    hint = "…"
"""

from __future__ import annotations

from typing import Any

import pymysql

from labs.checks.mariadb_interleave import DEADLOCK, LOCK_WAIT_TIMEOUT, Scenario, Step, StepRecord
from labs.checks.result import values_equal
from labs.engines.mariadb.attempt import LearnerSqlError, MariaAttempt, jsonable
from labs.engines.mariadb.sql import Statement, split_statements
from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.spec import CheckSpec

# a set literal, not frozenset(...): labs.contract reads it with ast.literal_eval
KNOWN_PARAMS = {
    "sessions", "script", "variables", "setup", "invariant", "expect", "anomaly", "on_deadlock",
    "on_lock_wait_timeout", "max_retries", "variants", "hint",
}  # fmt: skip
VARIANT_KEYS = ("variables", "setup", "invariant", "expect")
# Statements an answer may open with that shape the schema once, before the sessions run.
DDL_WORDS = frozenset({"CREATE", "ALTER", "DROP", "ANALYZE", "OPTIMIZE"})
OPEN_TRANSACTION = Statement("START TRANSACTION", "START TRANSACTION", 0)


class _BadAnswer(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def check(attempt: MariaAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    lab_hint = str(params.get("hint", ""))
    try:
        prepare, body = split_answer(attempt.statements)
        steps = build_steps(params, body)
    except _BadAnswer as exc:
        return CheckResult("concurrency", False, exc.message, _join(exc.hint, lab_hint))
    result = _scenario(attempt, params, prepare, steps, lab_hint)
    variants = [v for v in params.get("variants", []) if isinstance(v, dict)]
    if not result.passed or not variants:
        return result
    # The same scenario with other values (another doctor, day, capacity), each on a fresh
    # copy of the data: an answer that wrote the lab's values into its SQL fails here.
    for variant in variants:
        merged = {**params, **{k: v for k, v in variant.items() if k in VARIANT_KEYS}}
        outcome = _scenario(attempt, merged, prepare, steps, lab_hint)
        if not outcome.passed:
            outcome.message = f"With other values ({describe_variables(merged)}): {outcome.message}"
            outcome.artifacts["variant"] = {k: variant[k] for k in variant if k in VARIANT_KEYS}
            return outcome
    runs = len(variants)
    result.message += f" It held again with other values ({runs} more run{'s' if runs > 1 else ''})."
    return result


def split_answer(statements: list[Statement]) -> tuple[list[Statement], list[Statement]]:
    """(leading DDL run once, the transaction each session runs)."""
    cut = 0
    while cut < len(statements) and statements[cut].first_word in DDL_WORDS:
        cut += 1
    prepare, body = statements[:cut], statements[cut:]
    if not body:
        raise _BadAnswer(
            "Your answer has no transaction for the sessions to run: after any CREATE INDEX or ALTER TABLE, "
            "write the statements each session runs, from START TRANSACTION to COMMIT.",
        )
    return prepare, body


def open_part(body: list[Statement]) -> list[Statement]:
    """The transaction up to its last COMMIT, so the lab can act while it is still open. A body
    with no START TRANSACTION runs each statement in autocommit mode: it is wrapped in one, so
    its locks are held as they are at the end of its last statement."""
    ends = [i for i, s in enumerate(body) if s.first_word in ("COMMIT", "ROLLBACK")]
    part = body[: ends[-1]] if ends else list(body)
    starts = any(s.first_word in ("BEGIN", "START") or "AUTOCOMMIT" in s.code for s in part)
    return part if starts else [OPEN_TRANSACTION, *part]


def build_steps(params: dict[str, Any], body: list[Statement]) -> list[Step]:
    if params.get("script"):
        steps = []
        for item in params["script"]:
            sql = str(item["sql"]).strip()
            extra = {k: str(item.get(k, "")) for k in ("expect", "label", "why")}
            if sql in ("{{answer}}", "{{answer_open}}"):
                part = body if sql == "{{answer}}" else open_part(body)
                steps += [Step(str(item["session"]), s, True) for s in part]
            else:
                steps += [Step(str(item["session"]), s, False, **extra) for s in split_statements(sql)]
        return steps
    sessions = [str(s) for s in params.get("sessions", ["A", "B"])]
    return [Step(name, statement, True) for statement in body for name in sessions]


def describe_variables(params: dict[str, Any], only: list[str] | None = None) -> str:
    """'A: doctor=3, day=2025-03-10; B: …' — the values a run used (the lab's own, not hidden)."""
    variables = params.get("variables", {})
    return "; ".join(
        f"{name}: " + ", ".join(f"{key}={value}" for key, value in values.items())
        for name, values in variables.items()
        if only is None or name in only
    )


def _scenario(
    attempt: MariaAttempt, params: dict[str, Any], prepare: list[Statement], steps: list[Step], lab_hint: str
) -> CheckResult:
    database = attempt.scratch_database()
    if params.get("setup"):
        with attempt.platform_work():
            try:
                _run_setup(attempt, str(params["setup"]), database)
            except pymysql.MySQLError as exc:  # the lab's own script: a platform problem
                raise SandboxError(f"lab {attempt.spec.id}: the concurrency setup failed: {exc}") from exc
    if prepare:
        outcome = _run_prepare(attempt, database, prepare)
        if outcome is not None:
            return CheckResult("concurrency", False, outcome.message, _join(outcome.hint, lab_hint))
    run = Scenario(attempt, database, params, steps)
    try:
        run.play()
    finally:
        run.close()
    return verdict(attempt, run, params, lab_hint)


def _run_setup(attempt: MariaAttempt, sql: str, database: str) -> None:
    conn = attempt.server.connect(database=database)
    try:
        with conn.cursor() as cur:
            for statement in split_statements(sql):
                cur.execute(statement.text)
    finally:
        conn.close()


def _run_prepare(attempt: MariaAttempt, database: str, prepare: list[Statement]) -> LearnerSqlError | None:
    """The answer's DDL, once, as the learner; its error is the answer's."""
    conn = attempt.connect_learner(database)
    try:
        with conn.cursor() as cur:
            for statement in prepare:
                with attempt.learner_call(statement):
                    cur.execute(statement.text)
                    while cur.nextset():
                        pass
    except LearnerSqlError as exc:
        return exc
    finally:
        conn.close()
    return None


# --------------------------------------------------------------------------- verdicts


def verdict(attempt: MariaAttempt, run: Scenario, params: dict[str, Any], lab_hint: str) -> CheckResult:
    artifacts: dict[str, Any] = {"timeline": run.timeline}

    def fail(message: str, hint: str) -> CheckResult:
        return CheckResult("concurrency", False, message, _join(lab_hint, hint), artifacts=artifacts)

    if run.errors:
        name, step, error = run.errors[0]
        if step.learner:
            return fail(f"Session {name}: {error.message}", error.hint)
        what = step.label or step.statement.short(60)
        return fail(
            f"After your answer ran, the lab's own statement in session {name} ({what}) failed: {error.message}",
            "Keep the tables usable by the rest of the application: change indexes, not columns or rows.",
        )
    for session in run.sessions.values():
        if session.aborted == DEADLOCK:
            retried = f" (after {session.retries} retries)" if session.retries else ""
            return fail(
                f"The sessions deadlocked{retried}: each waited for a lock the other held, and InnoDB rolled back "
                f"session {session.name}'s transaction (error 1213). What happened: {run.story()}.",
                "Two locking reads of an empty range both get a gap lock (gap locks never conflict), then each "
                "insert waits for the other's: the application must catch 1213 and run the transaction again.",
            )
        if session.aborted == LOCK_WAIT_TIMEOUT and session.abort_fast:
            return fail(
                f"Session {session.name} asked for a lock another session held and failed at once instead of "
                f"waiting (error 1205: {session.abort_error}). NOWAIT (or a lock wait timeout of 0) turns every "
                "moment of contention into an error for that user.",
                "A transaction may wait a moment for another one to finish; it must not fail because of it.",
            )
        if session.aborted == LOCK_WAIT_TIMEOUT:
            return fail(
                f"Session {session.name} waited longer than innodb_lock_wait_timeout for a lock and gave up "
                f"(error 1205). What happened: {run.story()}.",
                "Keep transactions short, make sure every transaction ends with COMMIT, and lock only the rows "
                "and gaps the decision depends on.",
            )
    learners = [s.name for s in run.sessions.values() if any(step.learner for step in s.steps)]
    for record in run.records:
        message = _expectation(record, run, params, learners)
        if message:
            return fail(message, _lock_hint(record))
    return _invariant(attempt, run, params, artifacts, lab_hint)


def _expectation(record: StepRecord, run: Scenario, params: dict[str, Any], learners: list[str]) -> str:
    step = record.step
    what = step.label or f"the statement {step.statement.short(60)}"
    values = describe_variables(params, [step.session]).partition(": ")[2]
    what += f" ({values})" if values else ""
    owners = " and ".join(learners) or "the other session"
    why = f" {step.why.strip()}" if step.why.strip() else ""
    if step.expect == "runs" and record.waited is not None:
        lock = f": {record.waited.lock}" if record.waited.lock else ""
        return (
            f"While session {owners}'s transaction was still open, {what} should have gone straight in, "
            f"but it waited for a lock held by {' and '.join(record.waited.blockers)}{lock}.{why}"
        )
    if step.expect == "waits" and record.waited is None:
        return (
            f"While session {owners}'s transaction was still open, {what} went straight in: nothing it had "
            "locked covered that range, so the rows it read could change before it committed (a phantom)."
            f"{why} What happened: {run.story()}."
        )
    return ""


def _lock_hint(record: StepRecord) -> str:
    waited = record.waited
    if waited is None:
        return (
            "At REPEATABLE READ a plain SELECT reads a snapshot and locks nothing; a locking read "
            "(SELECT … FOR UPDATE or LOCK IN SHARE MODE) locks the index range it reads, gaps included."
        )
    if waited.lock_index in ("PRIMARY", "GEN_CLUST_INDEX"):
        return (
            "The lock sits on the primary key: the locking read found no index on the columns it filters on, "
            "scanned the whole table and locked every row and every gap it passed. Give it an index whose "
            "leading columns are the ones it compares with ="
        )
    if waited.lock_index:
        return (
            f"InnoDB locks every entry of index `{waited.lock_index}` the locking read passes, and the gaps "
            "between them: when that index holds fewer columns than the WHERE clause, the locked range is "
            "wider than the rows you counted. An index on all the columns compared with = narrows it."
        )
    return "Lock the rows and gaps your decision reads, not whole tables or names every writer must know."


def _invariant(
    attempt: MariaAttempt, run: Scenario, params: dict[str, Any], artifacts: dict[str, Any], lab_hint: str
) -> CheckResult:
    notes = []
    if run.still_open:
        notes.append(f"session {', '.join(run.still_open)} never committed (rolled back at the end)")
    waits = sum(1 for e in run.timeline if e.get("event") == "waits")
    retried = sum(s.retries for s in run.sessions.values())
    detail = []
    if waits:
        detail.append(f"a session waited for another's lock {waits} time" + ("s" if waits > 1 else ""))
    if retried:
        detail.append(f"{retried} deadlocked transaction" + ("s were" if retried > 1 else " was") + " retried")
    extra = f" ({'; '.join(detail)})" if detail else ""
    invariant = params.get("invariant")
    names = _names(list(run.sessions))
    if not invariant:
        # say what was proved: which of the lab's statements waited and which went straight in
        seen = [
            f"{r.step.label or r.step.statement.short(50)} " + ("waited" if r.waited else "went straight in")
            for r in run.records
        ]
        proved = f": {'; '.join(seen)}" if seen else ""
        return CheckResult("concurrency", True, f"After {names} ran concurrently, everything held{proved}{extra}.",
                           artifacts=artifacts)  # fmt: skip
    with attempt.platform_work():
        conn = attempt.connect_learner(run.database, platform=True)
        try:
            rows = attempt.fetch(str(invariant), conn=conn)
        finally:
            conn.close()
    got = [[jsonable(v) for v in row] for row in rows.rows]
    expect = [list(r) for r in params.get("expect", [])]
    artifacts["invariant"] = {"query": invariant, "rows": got, "expected": expect}
    shown = _short_sql(str(invariant))
    if _rows_match(got, expect):
        return CheckResult(
            "concurrency", True, f"After {names} ran concurrently, {shown} returned {_show(got)} as expected{extra}.",
            artifacts=artifacts,
        )  # fmt: skip
    anomaly = params.get("anomaly")
    what = f": a {anomaly}" if anomaly else ""
    never = f" Note: {'; '.join(notes)}." if notes else ""
    return CheckResult(
        "concurrency", False,
        f"After {names} ran concurrently, {shown} returned {_show(got)}, expected {_show(expect)}{what}. "
        f"What happened: {run.story()}.{never}",
        _join(lab_hint, "Each session decided from rows it had read; another session changed them before it "
              "committed. Lock what you read (a locking read) so the other session waits."),
        artifacts=artifacts,
    )  # fmt: skip


def _rows_match(got: list[list], expect: list[list]) -> bool:
    return len(got) == len(expect) and all(
        len(a) == len(b) and all(values_equal(x, y, 1e-6) for x, y in zip(a, b, strict=True))
        for a, b in zip(got, expect, strict=True)
    )


def _names(names: list[str]) -> str:
    return "sessions " + (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])


def _short_sql(sql: str) -> str:
    flat = " ".join(sql.split())
    return f"`{flat if len(flat) <= 70 else flat[:69] + '…'}`"


def _show(rows: list[list]) -> str:
    if len(rows) == 1 and len(rows[0]) == 1:
        return str(rows[0][0])
    return "[" + ", ".join("(" + ", ".join(str(v) for v in r) + ")" for r in rows) + "]"


def _join(*hints: str) -> str:
    return " ".join(h.strip() for h in hints if h and h.strip())
