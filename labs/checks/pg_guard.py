"""Proof that the lab's data is still the lab's data (for plan checks).

A plan is only evidence on the data it ran on: an answer that deletes most of a table makes
any index (or none) look fast. Before judging a plan, ``data_changes`` compares every table
of the attempt's database with the lab's template database: the same table (same OID, so not
dropped and re-created), the same columns, the same number of rows and the same content hash.

Everything here runs as the sandbox superuser on a connection whose search_path is
``pg_catalog, pg_temp``, with every function qualified, and only reads tables whose
``relkind`` is ``r`` (a plain table: no view, rule or function of the learner's can run while
reading it; superusers bypass row security, and SELECT fires no trigger).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import psycopg
from psycopg import sql as pgsql

from labs.sandbox.postgres import VISIBLE, PgAttempt, ensure_lab_database

# the lab's own tables; pg_catalog-qualified operators keep learner operators out of it
_TABLES = """
    SELECT c.oid::pg_catalog.int8, n.nspname::pg_catalog.text, c.relname::pg_catalog.text
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE c.relkind OPERATOR(pg_catalog.=) 'r'
      AND n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema', 'pg_toast'])
      AND n.nspname::pg_catalog.text NOT LIKE 'pg\\_%'
    ORDER BY 2, 3
"""
_COLUMNS = """
    SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) %s::pg_catalog.oid AND a.attnum OPERATOR(pg_catalog.>) 0
      AND NOT a.attisdropped
    ORDER BY a.attnum
"""
_KIND = "SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) %s::pg_catalog.oid"


@dataclass(frozen=True)
class TablePrint:
    oid: int
    schema: str
    name: str
    columns: tuple[str, ...]
    rows: int
    digest: int

    @property
    def label(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"


# (instance pid, template database) -> prints; setup.sql may use random(), so a print belongs
# to one build of one template, never to the lab in general
_TEMPLATE_PRINTS: OrderedDict[tuple[int, str], list[TablePrint]] = OrderedDict()
MAX_TEMPLATE_PRINTS = 64


def _content(conn: psycopg.Connection, oid: int, schema: str, name: str, columns: tuple[str, ...]) -> tuple[int, int]:
    """Row count and an order-independent hash of the named columns' text."""
    table = pgsql.Identifier(schema, name)
    row = pgsql.SQL("ROW({})").format(pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns))
    query = pgsql.SQL(
        "SELECT pg_catalog.count(*), "
        "pg_catalog.sum(pg_catalog.hashtextextended(pg_catalog.textin(pg_catalog.record_out({})), 0)) "
        "FROM ONLY {}"
    ).format(row, table)
    kind = conn.execute(_KIND, (oid,)).fetchone()
    if not kind or kind[0] != "r":  # checked in the same snapshot as the read below
        raise _Changed("gone")
    count, digest = conn.execute(query).fetchone()
    return int(count), int(digest or 0)


class _Changed(Exception):
    pass


def _prints(conn: psycopg.Connection) -> list[TablePrint]:
    prints = []
    for oid, schema, name in conn.execute(_TABLES).fetchall():
        columns = tuple(r[0] for r in conn.execute(_COLUMNS, (oid,)).fetchall())
        rows, digest = _content(conn, oid, schema, name, columns)
        prints.append(TablePrint(int(oid), schema, name, columns, rows, digest))
    return prints


def template_prints(attempt: PgAttempt, dataset: str = VISIBLE) -> list[TablePrint]:
    """Prints of the lab's template database (built from setup.sql only: no learner object)."""
    template = ensure_lab_database(attempt.instance, attempt.spec, dataset)
    key = (attempt.instance.pid, template)
    if key not in _TEMPLATE_PRINTS:
        with attempt.platform_work(), attempt.connect_admin(database=template) as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            _TEMPLATE_PRINTS[key] = _prints(conn)
        while len(_TEMPLATE_PRINTS) > MAX_TEMPLATE_PRINTS:
            _TEMPLATE_PRINTS.popitem(last=False)
    return _TEMPLATE_PRINTS[key]


def data_changes(attempt: PgAttempt, dataset: str = VISIBLE) -> str | None:
    """None when every lab table still holds exactly the lab's rows; otherwise what changed,
    in words for the learner (tables named, no row quoted)."""
    if attempt.readonly:  # the learner's statements there are always rolled back
        return None
    expected = template_prints(attempt, dataset)
    changes: list[str] = []
    with attempt.platform_work(), attempt.connect_admin(dataset) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in expected:
            try:
                with conn.transaction():  # a savepoint: one missing table does not end the look
                    rows, digest = _content(conn, table.oid, table.schema, table.name, table.columns)
            except (_Changed, psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
                changes.append(f"{table.label} was dropped, re-created, or lost a column")
                continue
            if rows != table.rows:
                changes.append(f"{table.label} has {rows:,} rows where the lab's data has {table.rows:,}")
            elif digest != table.digest:
                changes.append(f"rows of {table.label} were changed (same count, {rows:,}, other values)")
    if not changes:
        return None
    return "; ".join(changes)
