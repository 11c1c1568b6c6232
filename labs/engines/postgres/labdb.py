"""Per-lab template databases on a warm instance: built once per lab content hash from
setup.sql (and setup.sql + hidden.sql), with the learner role's grants and ownership."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql as pgsql

from labs.engines.postgres.server import PgInstance
from labs.engines.postgres.settings import (
    DEFAULT_OPTIONS,
    LEARNER_ROLE,
    MAX_LAB_DATABASES,
    PLATFORM_STATEMENT_TIMEOUT_MS,
)
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.spec import LabSpec

# --------------------------------------------------------------------------- lab databases

VISIBLE, HIDDEN = "visible", "hidden"


def lab_options(spec: LabSpec) -> dict[str, Any]:
    return {**DEFAULT_OPTIONS, **spec.engine_options}


def ensure_lab_database(instance: PgInstance, spec: LabSpec, dataset: str = VISIBLE) -> str:
    """Name of the lab's template database on ``instance``, building it on first use."""
    key = f"{spec.content_hash()}:{dataset}:{spec.topology}"
    if key in instance.lab_databases:
        instance.lab_databases.move_to_end(key)
        return instance.lab_databases[key]
    name = f"lab_{spec.content_hash()}_{dataset[0]}"
    while len(instance.lab_databases) >= MAX_LAB_DATABASES:
        _, old = instance.lab_databases.popitem(last=False)
        instance.readonly_databases.discard(old)
        instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(old)))
    instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
    instance.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(pgsql.Identifier(name)))
    try:
        with instance.connect(name, options=f"-c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}") as conn:
            for filename, script in (("setup.sql", spec.seed), ("hidden.sql", spec.hidden_seed)):
                if filename == "hidden.sql" and dataset != HIDDEN:
                    continue
                try:
                    conn.execute(script or "SELECT 1")
                except psycopg.Error as exc:
                    raise SandboxError(f"lab {spec.id}: {filename} failed: {exc}".strip()) from exc
            _grant_learner(conn, name, spec)
            conn.execute("ANALYZE")
    except BaseException:
        with contextlib.suppress(Exception):
            instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
        raise
    instance.lab_databases[key] = name
    if spec.topology == "readonly":
        instance.readonly_databases.add(name)
    return name


_LAB_SCHEMAS = """
    SELECT n.nspname FROM pg_catalog.pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
"""


def _grant_learner(conn: psycopg.Connection, dbname: str, spec: LabSpec) -> None:
    """Give the learner exactly what the lab's topology needs on the fresh lab database."""
    options = lab_options(spec)
    ident = pgsql.Identifier
    learner = ident(LEARNER_ROLE)
    conn.execute(pgsql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident(dbname)))
    conn.execute(pgsql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(ident(dbname), learner))
    schemas = [row[0] for row in conn.execute(_LAB_SCHEMAS)]
    readonly = spec.topology == "readonly"
    for schema in schemas:
        s = ident(schema)
        if readonly:
            conn.execute(pgsql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, learner))
            conn.execute(pgsql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, learner))
        elif options["learner_owns_schema"]:
            conn.execute(pgsql.SQL("ALTER SCHEMA {} OWNER TO {}").format(s, learner))
        else:
            conn.execute(pgsql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(s, learner))
            conn.execute(
                pgsql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON ALL TABLES IN SCHEMA {} TO {}").format(
                    s, learner
                )
            )
            conn.execute(
                pgsql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, learner)
            )
    if options["learner_owns_schema"] and not readonly:
        _hand_objects_to_learner(conn, schemas)
    if readonly:
        conn.execute(
            pgsql.SQL("ALTER ROLE {} IN DATABASE {} SET default_transaction_read_only = on").format(
                learner, ident(dbname)
            )
        )


def _hand_objects_to_learner(conn: psycopg.Connection, schemas: list[str]) -> None:
    """Make the learner the owner of the lab's tables, views and functions (for DDL labs)."""
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "S": "SEQUENCE"}
    # sequences owned by a column (serial, identity) follow their table: skip them
    rows = conn.execute(
        """SELECT c.relkind, n.nspname, c.relname FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = ANY(%s) AND c.relkind IN ('r','p','v','m','f','S')
             AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a','i')))
           ORDER BY c.relkind = 'S'""",
        (schemas,),
    ).fetchall()
    for relkind, schema, name in rows:
        conn.execute(
            pgsql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                pgsql.SQL(kinds[relkind]),
                pgsql.Identifier(schema),
                pgsql.Identifier(name),
                pgsql.Identifier(LEARNER_ROLE),
            )
        )
    functions = conn.execute(
        """SELECT p.oid::regprocedure::text, p.prokind FROM pg_catalog.pg_proc p
           JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s)""",
        (schemas,),
    ).fetchall()
    for signature, prokind in functions:
        kind = "PROCEDURE" if prokind == "p" else "FUNCTION"
        conn.execute(pgsql.SQL(f"ALTER {kind} {signature} OWNER TO {{}}").format(pgsql.Identifier(LEARNER_ROLE)))
