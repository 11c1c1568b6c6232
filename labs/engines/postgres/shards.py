"""The ``shards`` topology: a coordinator with the lab's data and N empty shard servers reachable
through postgres_fdw (servers ``shard1``..``shardN``); the runbook turns a table into a partitioned
table whose partitions are foreign tables on the shards.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from labs.attempt import AnswerRejected
from labs.engines.postgres.cluster import PLATFORM_TIMEOUT, SUPERUSER, Instance, OperationalAttempt, run_sql
from labs.engines.postgres.scenario import LabConfigError, lab_shard_count
from labs.runbook import Step
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.spec import LabSpec


def shard_count(spec: LabSpec) -> int:
    """``lab_shard_count``, with a wrong count a SandboxError (the platform's fault) when grading."""
    try:
        return lab_shard_count(spec)
    except LabConfigError as exc:
        raise SandboxError(str(exc)) from None


# -- shards ----------------------------------------------------------------------------------------


def build_shards(attempt: OperationalAttempt) -> None:
    cluster, spec = attempt.cluster, attempt.spec
    assert cluster is not None
    started = time.monotonic()
    count = shard_count(spec)
    coordinator = cluster.add_instance("coordinator")
    shards = [cluster.add_instance(f"shard{n}") for n in range(1, count + 1)]
    settings = {"max_wal_senders": "0", "wal_level": "minimal"}  # nothing replicates here: cheaper WAL
    for instance in (coordinator, *shards):
        cluster.launch(instance, settings)
    for instance in (coordinator, *shards):  # booting in parallel; wait for them all
        try:
            if not cluster.wait_until_ready(instance, time.monotonic() + PLATFORM_TIMEOUT):
                raise SandboxError(f"postgres {instance.name} failed to start: {'; '.join(instance.fatal_lines())}")
        except TimeoutError:
            raise SandboxError(f"postgres {instance.name} did not start in time") from None
    run_sql(coordinator, spec.seed, "setup.sql")
    statements = ["CREATE EXTENSION postgres_fdw"]
    for number, shard in enumerate(shards, start=1):
        statements.append(
            sql.SQL(
                "CREATE SERVER {name} FOREIGN DATA WRAPPER postgres_fdw "
                "OPTIONS (host {host}, port {port}, dbname 'postgres', batch_size '500', fetch_size '1000')"
            ).format(
                name=sql.Identifier(f"shard{number}"),
                host=sql.Literal(str(shard.socket_dir)),
                port=sql.Literal(str(shard.port)),
            )
        )
        statements.append(
            sql.SQL("CREATE USER MAPPING FOR {user} SERVER {name} OPTIONS (user {user_literal})").format(
                user=sql.Identifier(SUPERUSER),
                name=sql.Identifier(f"shard{number}"),
                user_literal=sql.Literal(SUPERUSER),
            )
        )
    with coordinator.connect() as conn:
        for statement in statements:
            conn.execute(statement)
    attempt.time_phase("cluster_ready", started)
    started = time.monotonic()
    attempt.start_learner_clock(attempt.notes["opened"])
    run_shards_runbook(attempt, coordinator)
    attempt.time_phase("runbook", started)


def run_shards_runbook(attempt: OperationalAttempt, coordinator: Instance) -> None:
    sharded: dict[str, dict[str, Any]] = attempt.notes.setdefault("sharded", {})
    with coordinator.connect() as conn:
        for step in attempt.steps:
            table = step.args["table"]
            try:
                if step.name == "create_sharded_table":
                    sharded[table] = create_sharded_table(conn, step)
                elif step.name == "attach_shard":
                    sharded[table]["partitions"].append(attach_shard(attempt, conn, step, sharded[table]))
                elif step.name == "copy_rows":
                    copied = conn.execute(
                        sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                            sql.Identifier(table), sql.Identifier(sharded[table]["local_table"])
                        )
                    )
                    sharded[table]["copied_rows"] = copied.rowcount
            except psycopg.Error as exc:
                raise AnswerRejected(explain_shard_error(step, exc)) from None


def table_columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str, bool]]:
    return conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [table],
    ).fetchall()


def create_sharded_table(conn: psycopg.Connection, step: Step) -> dict[str, Any]:
    """The table becomes ``<table>_local``; ``<table>`` is re-created empty, partitioned by the key."""
    table, column, method = step.args["table"], step.args["column"], step.args["method"]
    local = f"{table}_local"
    kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table]).fetchone()
    if kind is None or kind[0] != "r":
        existing = [
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
                "ORDER BY relname"
            ).fetchall()
        ]
        raise AnswerRejected(
            f"{step.describe()}: there is no table {table} to shard; this lab's tables: {', '.join(existing) or 'none'}"
        )
    columns = [c[0] for c in table_columns(conn, table)]
    if column not in columns:
        raise AnswerRejected(f"{step.describe()}: {table} has no column {column}; its columns are {', '.join(columns)}")
    source_rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    with conn.transaction():
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(table), sql.Identifier(local)))
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY {} ({})").format(
                sql.Identifier(table), sql.Identifier(local), sql.SQL(method.upper()), sql.Identifier(column)
            )
        )
    return {
        "method": method,
        "column": column,
        "local_table": local,
        "source_rows": source_rows,
        "partitions": [],
        "line": step.line,
    }


def attach_shard(
    attempt: OperationalAttempt, conn: psycopg.Connection, step: Step, info: dict[str, Any]
) -> dict[str, Any]:
    """Create the table on the shard, then a foreign table on the coordinator as a partition."""
    table, shard = step.args["table"], step.args["shard"]
    server = attempt.server(f"shard{shard}")
    assert server is not None  # the parser bounds shard numbers
    columns = table_columns(conn, info["local_table"])
    keys = [
        r[0]
        for r in conn.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            [info["local_table"]],
        ).fetchall()
    ]
    parts = [
        sql.SQL("{} {}{}").format(sql.Identifier(name), sql.SQL(kind), sql.SQL(" NOT NULL" if notnull else ""))
        for name, kind, notnull in columns
    ]
    if keys:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(map(sql.Identifier, keys))))
    # A shard may hold several partitions of a table (modulus 6 over 3 shards): each gets its own
    # remote table, so a partition's foreign scan never reads another partition's rows.
    earlier = sum(1 for part in info["partitions"] if part["shard"] == shard)
    remote_table = table if not earlier else f"{table}_{earlier + 1}"
    with server.connect() as remote:
        remote.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(remote_table), sql.SQL(", ").join(parts)))
    foreign = f"{table}_shard{shard}" if not earlier else f"{table}_shard{shard}_{earlier + 1}"
    if step.args["method"] == "hash":
        bounds = sql.SQL("WITH (MODULUS {}, REMAINDER {})").format(
            sql.Literal(step.args["modulus"]), sql.Literal(step.args["remainder"])
        )
    else:
        bounds = sql.SQL("FROM ({}) TO ({})").format(range_bound(step.args["low"]), range_bound(step.args["high"]))
    conn.execute(
        sql.SQL("CREATE FOREIGN TABLE {} PARTITION OF {} FOR VALUES {} SERVER {} OPTIONS (table_name {})").format(
            sql.Identifier(foreign),
            sql.Identifier(table),
            bounds,
            sql.Identifier(f"shard{shard}"),
            sql.Literal(remote_table),
        )
    )
    return {"shard": shard, "foreign_table": foreign, "remote_table": remote_table, "line": step.line}


def range_bound(value: int | str) -> sql.Composable:
    if value in ("MINVALUE", "MAXVALUE"):
        return sql.SQL(str(value))
    return sql.Literal(value)


def explain_shard_error(step: Step, exc: psycopg.Error) -> str:
    message = (exc.diag.message_primary or str(exc)).strip()
    if exc.diag.message_detail:
        message += f" ({exc.diag.message_detail.strip().rstrip('.')})"
    advice = ""
    if "no partition of relation" in message:
        advice = (
            " Some rows have no shard: attach partitions that cover every value of the shard key (every "
            "remainder of the modulus for hash; from minvalue to maxvalue for range)."
        )
    elif "would overlap" in message:
        advice = (
            " Two partitions claim the same values: for range, make each from= start where the previous to= "
            "ends; for hash, give each remainder once (with several moduli, remainder r of modulus m also "
            "covers r, r+m, r+2m … of a larger modulus)."
        )
    elif "modulus" in message and "factor" in message:
        advice = (
            " Mixed moduli are allowed when each divides the next larger one (3 and 6, not 3 and 4), "
            "so every hash value still falls in exactly one partition."
        )
    elif "invalid input syntax" in message or "does not match" in message:
        advice = " A bound does not fit the type of the shard key."
    return f"{step.describe()} failed: {message}.{advice}"
