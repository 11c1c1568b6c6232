"""The ``schema`` check's behaviour probes: ``must_fail`` and ``must_succeed`` statements run
as the learner, each in a transaction that is rolled back, and whether a refusal came from a
real constraint on the table written (labs/checks/schema.py has the parameters)."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from labs.sandbox.pg_sql import split_statements
from labs.sandbox.postgres import VISIBLE, LearnerSqlError, PgAttempt


class Problem(Exception):
    """One catalog or behaviour expectation that does not hold (message + hint)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


# Forced in every probe session (client options outrank role and database defaults), so an
# answer's ALTER ROLE … SET default_transaction_read_only = on cannot make writes "refused".
PROBE_SETTINGS = (
    "-c default_transaction_read_only=off -c default_transaction_deferrable=off "
    "-c default_transaction_isolation=read\\ committed -c row_security=on"
)
_TARGET = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?)\s+([\w.\"]+)", re.I)
# SQLSTATE -> the constraint kinds (pg_constraint.contype) that raise it
_KINDS = {"23505": "up", "23514": "c", "23503": "f", "23P01": "x"}


def sql_literal(value: Any) -> str:
    """A TOML value as SQL: numbers as they are, text quoted, booleans as TRUE/FALSE."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def expand_values(items: list[Any]) -> list[Any]:
    """A probe with ``values = [...]`` becomes one probe per value, ``{{value}}`` in its sql
    replaced by the value as a SQL literal (in ``why`` by the literal too). One probe per
    value: a CHECK admitting a single extra status, or refusing a single legal price, fails."""
    expanded: list[Any] = []
    for item in items:
        if not isinstance(item, dict) or "values" not in item:
            expanded.append(item)
            continue
        for value in item["values"]:
            literal = sql_literal(value)
            probe = {k: v for k, v in item.items() if k != "values"}
            probe["sql"] = str(item["sql"]).replace("{{value}}", literal)
            probe["why"] = str(item.get("why", "")).replace("{{value}}", literal)
            expanded.append(probe)
    return expanded


class ProbeSessions:
    """The sessions a check's probes run in: one learner session, put back between probes to a
    new session's state by DISCARD ALL (settings back to the connection's, temporary tables,
    advisory locks, prepared statements, LISTEN and cursors gone), and one superuser session
    for reading the catalog. A new connection per probe cost a fork and an authentication
    each: about half of a schema lab's grading time."""

    def __init__(self, attempt: PgAttempt):
        self.attempt = attempt
        self._learner: psycopg.Connection | None = None
        self._admin: psycopg.Connection | None = None

    def __enter__(self) -> ProbeSessions:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for conn in (self._learner, self._admin):
            if conn is not None:
                conn.close()

    def learner(self) -> psycopg.Connection:
        conn = self._learner
        if conn is not None and not conn.closed and not conn.broken:
            try:
                with self.attempt.platform_work():
                    conn.execute("DISCARD ALL")
                return conn
            except psycopg.Error:  # the probe's session went away (an answer may end its own backends)
                conn.close()
        self._learner = self.attempt.connect_learner(self.attempt.database(VISIBLE), settings=PROBE_SETTINGS)
        return self._learner

    def admin(self) -> psycopg.Connection:
        if self._admin is None or self._admin.closed or self._admin.broken:
            self._admin = self.attempt.connect_admin(VISIBLE)
        return self._admin


def run_probe(sessions: ProbeSessions, item: Any, *, should_fail: bool, problems: list[Problem]) -> dict[str, Any]:
    attempt = sessions.attempt
    sql = item if isinstance(item, str) else item["sql"]
    why = "" if isinstance(item, str) else str(item.get("why", ""))
    wanted = "23" if isinstance(item, str) else str(item.get("sqlstate", "23"))
    statements = split_statements(sql)
    error, failed_at = None, 0
    # a session as good as new for each probe: nothing an earlier probe (or the answer) SET carries over
    conn = sessions.learner()
    try:
        with attempt.learner_call(), conn.transaction(force_rollback=True):
            for position, statement in enumerate(statements, 1):
                failed_at = position
                attempt.execute_statement(conn, statement)
            if statements:
                # the probe is rolled back, never committed: check DEFERRABLE INITIALLY
                # DEFERRED constraints now, as COMMIT would after the last statement
                with attempt.learner_call(statements[-1]):
                    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except LearnerSqlError as exc:
        error = exc
    # the statement that matters is the last one (the earlier ones only set up valid rows)
    shown = statements[-1].short(160) if statements else ""
    if len(statements) > 1:
        shown = f"{shown} (after {len(statements) - 1} statement{'s' if len(statements) > 2 else ''} adding valid rows)"
    record = {"sql": sql, "expected": "fail" if should_fail else "succeed", "failed": error is not None}
    if error is not None:
        record["error"] = _server_error(error)
    if should_fail and error is not None:
        not_refused = _not_a_refusal(sessions, error, statements, failed_at, wanted)
        if not_refused:
            record["counted_as_refused"] = False
            reason = f" ({why})" if why else ""
            problems.append(
                Problem(
                    f"This statement should have been refused by a constraint{reason}, but {not_refused}: {shown}",
                    "Declare the rule as a constraint (CHECK, UNIQUE, NOT NULL, a FOREIGN KEY) on the table; "
                    "a trigger or a setting that refuses writes does not count, and valid rows must still go in.",
                )
            )
            return record
    if should_fail and error is None:
        reason = f" ({why})" if why else ""
        problems.append(
            Problem(
                f"This statement should have been refused{reason}, but it succeeded: {shown}",
                "Add the constraint that forbids it: CHECK, UNIQUE, NOT NULL or a FOREIGN KEY.",
            )
        )
    elif not should_fail and error is not None:
        reason = f" ({why})" if why else ""
        problems.append(
            Problem(
                f"This statement should work{reason}, but Postgres refused it: "
                f"{statements[failed_at - 1].short(160) if 0 < failed_at <= len(statements) else shown} — "
                f"{_server_error(error)}",
                "A constraint is stricter than the lab asks, or a column is missing or misnamed.",
            )
        )
    return record


def _not_a_refusal(
    sessions: ProbeSessions, error: LearnerSqlError, statements: list[Any], failed_at: int, wanted: str
) -> str:
    """Why a failed must_fail probe is not the intended refusal ('' when it is)."""
    if failed_at < len(statements):
        return (
            f"statement {failed_at} of the probe, which only sets up valid rows, was refused instead "
            f"({_server_error(error)})"
        )
    sqlstate = error.sqlstate or ""
    if not sqlstate.startswith(wanted):
        return f"it failed with another kind of error, not a constraint violation ({_server_error(error)})"
    if not sqlstate.startswith("23"):
        return ""
    diag = getattr(error.__cause__, "diag", None)
    schema = getattr(diag, "schema_name", None) or "public"
    table = getattr(diag, "table_name", None)
    constraint = getattr(diag, "constraint_name", None)
    column = getattr(diag, "column_name", None)
    target = _TARGET.match(statements[-1].text)
    target_table = target.group(1).replace('"', "").split(".")[-1].lower() if target else None
    with sessions.attempt.platform_work():
        conn = sessions.admin()
        if sqlstate == "23502":
            real = (
                table
                and column
                and conn.execute(
                    "SELECT a.attnotnull FROM pg_catalog.pg_attribute a "
                    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s AND NOT a.attisdropped",
                    (schema, table, column),
                ).fetchone()
            )
            ok = bool(real and real[0]) and (target_table is None or target_table == table)
        else:
            kinds = _KINDS.get(sqlstate, "cfpuxt")
            rows = conn.execute(
                "SELECT c.relname, f.relname FROM pg_catalog.pg_constraint k "
                "JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_catalog.pg_class f ON f.oid = k.confrelid "
                "WHERE n.nspname = %s AND c.relname = %s AND k.conname = %s AND k.contype::pg_catalog.text = ANY(%s) "
                "UNION ALL "  # a unique index without a constraint
                "SELECT t.relname, NULL FROM pg_catalog.pg_index x "
                "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
                "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                "WHERE %s AND x.indisunique AND n.nspname = %s AND t.relname = %s AND i.relname = %s",
                (schema, table, constraint, list(kinds), sqlstate == "23505", schema, table, constraint),
            ).fetchall()
            ok = any(target_table is None or target_table in (own, referenced) for own, referenced in rows)
    if ok:
        return ""
    return f"the error did not come from a constraint on that table ({_server_error(error)})"


def _server_error(error: LearnerSqlError) -> str:
    # "Statement 1 (...) failed: ERROR: ..." -> just the ERROR part
    message = error.message
    return message[message.find("ERROR:") :] if "ERROR:" in message else message
