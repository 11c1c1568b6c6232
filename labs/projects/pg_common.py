"""Helpers the Postgres project checks share: an award, the learner's query results, result-set
comparison by columns, rows and row order, and reading plans."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from labs.projects.env_pg import PgProjectEnv, PlatformFault
from labs.sandbox.pg_sql import ScriptError, split_statements, substitute_variables


@dataclass
class Award:
    points: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class QueryRun:
    columns: list[str] | None = None
    rows: list[tuple] | None = None
    error: str = ""
    seconds: float = 0.0


def text_of(handin: dict[str, bytes], name: str) -> str | None:
    content = handin.get(name)
    return None if content is None else content.decode("utf-8", "replace")


def run_learner_query(env: PgProjectEnv, text: str, variables: dict[str, str], *, timeout_ms: int = 10_000) -> QueryRun:
    """The last statement's result, run as the owner in a transaction that is rolled back."""
    try:
        statements = split_statements(text)
    except ScriptError as exc:
        return QueryRun(error=exc.message)
    if not statements:
        return QueryRun(error="the file holds no SQL statement")
    with env.owner(timeout_ms=timeout_ms, autocommit=False) as conn:
        cur = conn.cursor()
        started = time.perf_counter()
        try:
            for statement in statements:
                cur.execute(substitute_variables(statement.text, variables))
            if cur.description is None:
                return QueryRun(error="its last statement returns no rows; end the file with the SELECT")
            rows = cur.fetchmany(100_000)
            columns = [d.name for d in cur.description]
        except psycopg.OperationalError as exc:
            if not env.instance.alive():
                raise PlatformFault("the project server died while running a query") from exc
            return QueryRun(error=str(exc).strip())
        except psycopg.Error as exc:
            return QueryRun(error=f"{exc.diag.sqlstate}: {exc.diag.message_primary or exc}")
        finally:
            conn.rollback()
        return QueryRun(columns, [tuple(r) for r in rows], seconds=time.perf_counter() - started)


def run_platform_query(env: PgProjectEnv, text: str, variables: dict[str, str]) -> QueryRun:
    with env.admin() as conn:
        try:
            cur = conn.execute(substitute_variables(text, variables))
        except psycopg.Error as exc:
            raise PlatformFault(f"the reference query failed: {exc}") from exc
        return QueryRun([d.name for d in cur.description], [tuple(r) for r in cur.fetchall()])


def compare_results(expected: QueryRun, got: QueryRun, order_by: list[str]) -> str:
    """'' when equal: same column names in the same order, same rows (as a multiset) and the
    same sequence of ``order_by`` keys (rows tied on every key may come in any order)."""
    assert expected.columns is not None and expected.rows is not None
    if got.error:
        return f"it failed: {got.error}"
    assert got.columns is not None and got.rows is not None
    if got.columns != expected.columns:
        return f"expected the columns {', '.join(expected.columns)}, got {', '.join(got.columns)}"
    if len(got.rows) != len(expected.rows):
        return f"expected {len(expected.rows)} rows, got {len(got.rows)}"
    want, have = Counter(expected.rows), Counter(got.rows)
    if want != have:
        missing = next(iter(want - have))
        extra = next(iter(have - want))
        return f"a row differs: expected for example {_short(missing)}, got {_short(extra)} instead"
    keys = [expected.columns.index(name.lstrip("-")) for name in order_by]
    for n, (a, b) in enumerate(zip(expected.rows, got.rows, strict=True), start=1):
        if [a[k] for k in keys] != [b[k] for k in keys]:
            return f"the rows are right but row {n} is out of order (sorted by {', '.join(order_by)}): {_short(b)}"
    return ""


def _short(row: tuple) -> str:
    text = "(" + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in row) + ")"
    return text if len(text) <= 160 else text[:157] + "…)"


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes.extend(plan_nodes(child))
    return nodes


def explain_analyze(
    env: PgProjectEnv, text: str, variables: dict[str, str], *, analyze: bool = True
) -> tuple[dict[str, Any] | None, str]:
    """(the JSON plan of the file's last statement, error) run as the owner and rolled back."""
    try:
        statements = split_statements(text)
    except ScriptError as exc:
        return None, exc.message
    if not statements:
        return None, "the file holds no SQL statement"
    with env.owner(timeout_ms=10_000, autocommit=False) as conn:
        try:
            for statement in statements[:-1]:
                conn.execute(substitute_variables(statement.text, variables))
            body = substitute_variables(statements[-1].text, variables)
            options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
            row = conn.execute(f"EXPLAIN ({options}) {body}").fetchone()
        except psycopg.Error as exc:
            return None, f"{exc.diag.sqlstate}: {exc.diag.message_primary or exc}"
        finally:
            conn.rollback()
    assert row is not None
    return row[0][0], ""
