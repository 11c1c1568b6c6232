"""MariaDB scratch areas: one pooled ``mariadbd`` (the grader's template, started by the
sandbox core in a box of its own, no TCP at all), and per session a database and an account
that holds the grader's learner rights on that database only (no FILE, SUPER, PROCESS, no
routines or triggers that would run on another account's behalf), a few connections and a
``MAX_STATEMENT_TIME``. The dataset's scripts run as that account, as a lesson's reader or
a lab's learner would run them."""

from __future__ import annotations

import contextlib
import functools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import pymysql

from labs.engines.mariadb.sql import ScriptError, split_statements
from labs.playground.common import (
    MAX_ROWS,
    MAX_SCHEMA_TABLES,
    SAMPLE_ROWS,
    STATEMENT_TIMEOUT_S,
    Dataset,
    Outcome,
    cell,
    line_of,
)
from labs.playground.pooled import SqlPlayground
from labs.sandbox import base

SERVER_OPTIONS = ("--max-connections=200", "--max-user-connections=4")
# Every connection of ours passes ssl_disabled: PyMySQL >= 1.2 otherwise prepares a TLS context
# for each one (it loads the system's CA bundle: ~35 ms of CPU holding the GIL), never used on
# a Unix socket to a server without TLS, and a class opening sessions at once stalled every
# other learner's query in this one process (p95 0.1-0.9 s at 50 learners; ~10 ms without).
NO_TLS = {"ssl_disabled": True}
LEARNER_GRANTS = (
    "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, "
    "LOCK TABLES, CREATE VIEW, SHOW VIEW, REFERENCES"
)


@dataclass
class MariaScratch:
    session_id: str
    dataset: Dataset
    database: str
    user: str
    password: str
    conn: Any = None
    notes: list[str] = field(default_factory=list)
    generation: int = 0  # the server start it lives on


class MariaPlayground(SqlPlayground):
    name = "mariadb"
    sandbox_name = "playground-mariadb"
    driver_error = pymysql.MySQLError
    script_error = ScriptError

    def _launch(self, sandbox: base.SandboxDir) -> Any:
        from labs.engines.mariadb.server import READY_TIMEOUT, prepare_server

        server = prepare_server(sandbox, "mariadb", options=SERVER_OPTIONS)
        server.process.start(timeout=READY_TIMEOUT)
        return server

    def _connect(self, scratch: MariaScratch) -> Any:
        server = self.server()
        return pymysql.connect(
            unix_socket=str(server.socket_path), user=scratch.user, password=scratch.password,
            database=scratch.database, autocommit=True, charset="utf8mb4", local_infile=False, connect_timeout=10,
            init_command=f"SET SESSION max_statement_time = {STATEMENT_TIMEOUT_S:g}", **NO_TLS,
        )  # fmt: skip

    def create(self, session_id: str, dataset: Dataset) -> MariaScratch:
        server = self.server()
        scratch = MariaScratch(session_id, dataset, f"s_{session_id}", f"p_{session_id}", secrets.token_urlsafe(18))
        scratch.generation = self._generation
        # Names are new on this server (one per session, dropped with it): no DROP … IF EXISTS first.
        _admin(
            server,
            (f"CREATE DATABASE `{scratch.database}`", None),
            (
                f"CREATE USER '{scratch.user}'@'localhost' IDENTIFIED BY %s WITH MAX_USER_CONNECTIONS 3 "
                f"MAX_STATEMENT_TIME {STATEMENT_TIMEOUT_S:g}",
                (scratch.password,),
            ),
            (f"GRANT {LEARNER_GRANTS} ON `{scratch.database}`.* TO '{scratch.user}'@'localhost'", None),
        )
        conn = self._connect(scratch)
        try:
            with conn.cursor() as cur:
                for number, script in enumerate(dataset.scripts, start=1):
                    for statement in split_statements(script):
                        try:
                            cur.execute(statement.text)
                            cur.fetchall()
                        except pymysql.MySQLError as exc:
                            scratch.notes.append(f"block {number} statement {statement.index} did not run: {exc}")
        finally:
            conn.close()
        return scratch

    def _drop_area(self, scratch: MariaScratch) -> None:
        _admin(
            self._server,
            (f"DROP USER IF EXISTS '{scratch.user}'@'localhost'", None),
            (f"DROP DATABASE IF EXISTS `{scratch.database}`", None),
        )

    def _connection_usable(self, conn: Any) -> bool:
        return conn.open

    def _split(self, text: str) -> list:
        return split_statements(text)

    def _watchdog(self, conn: Any) -> Any:
        # MariaDB's own budget is max_statement_time, which a learner may SET to 0 in the session.
        return functools.partial(self._kill_query, conn.thread_id())

    def _kill_query(self, thread_id: int) -> None:
        with contextlib.suppress(Exception):
            _admin(self.server(), (f"KILL QUERY {int(thread_id)}", None))

    def _run_statements(
        self,
        conn: Any,
        scratch: MariaScratch,
        text: str,
        statements: list,
        offsets: list[int],
        explain: bool,
        outcome: Outcome,
    ) -> None:
        from labs.engines.mariadb.sql import describe_error

        if explain:
            statements, offsets = [statements[-1]], [offsets[-1]]
        for statement, offset in zip(statements, offsets, strict=True):
            line = line_of(text, offset + len(statement.text) - len(statement.text.lstrip()))
            started = time.perf_counter()
            # EXPLAIN, not ANALYZE: MariaDB's ANALYZE runs the statement for real, changes included.
            # JSON: the site draws it as a tree (apps.grading.plans) and shows the raw text too.
            sql = f"EXPLAIN FORMAT=JSON {statement.text}" if explain else statement.text
            try:
                with conn.cursor() as cur:
                    cur.execute(sql)
                    columns_seen = bool(cur.description)
                    if cur.description:
                        columns = [d[0] for d in cur.description]
                        fetched = cur.fetchmany(MAX_ROWS + 1)
                        if explain:
                            outcome.plan = "\n".join(str(row[0]) for row in fetched)
                        else:
                            outcome.columns = columns
                            outcome.truncated = len(fetched) > MAX_ROWS
                            outcome.rows = [[cell(v) for v in row] for row in fetched[:MAX_ROWS]]
                        cur.fetchall()
                    status = f"{cur.rowcount} row(s)" if cur.rowcount >= 0 else "ok"
            except pymysql.MySQLError as exc:
                number, message, hint = describe_error(exc)
                if number == 1317:  # interrupted: our watchdog
                    message += f": the playground stops a run after {STATEMENT_TIMEOUT_S:g} s"
                outcome.error = {"message": f"ERROR {number}: {message}", "line": line, "hint": hint}
                if not conn.open:
                    scratch.conn = None
                break
            elapsed = round((time.perf_counter() - started) * 1000, 2)
            outcome.statements.append({"line": line, "status": status, "ms": elapsed, "rows": bool(columns_seen)})

    def schema(self, scratch: MariaScratch) -> dict[str, Any]:
        conn = self._connection(scratch)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, column_name, column_type, is_nullable = 'NO', column_key = 'PRI' "
                "FROM information_schema.columns WHERE table_schema = DATABASE() "
                "ORDER BY table_name, ordinal_position"
            )
            tables: dict[str, dict[str, Any]] = {}
            for table, column, kind, not_null, pk in cur.fetchall():
                entry = tables.setdefault(table, {"name": table, "columns": []})
                entry["columns"].append({"name": column, "type": kind, "not_null": bool(not_null), "pk": bool(pk)})
            cur.execute(
                "SELECT table_name, constraint_name, column_name, referenced_table_name, referenced_column_name "
                "FROM information_schema.key_column_usage WHERE table_schema = DATABASE() "
                "AND referenced_table_name IS NOT NULL ORDER BY table_name, constraint_name, ordinal_position"
            )
            grouped: dict[tuple[str, str], dict[str, Any]] = {}
            for table, name, column, ftable, fcolumn in cur.fetchall():
                relation = grouped.setdefault(
                    (table, name), {"from": table, "from_columns": [], "to": ftable, "to_columns": []}
                )
                relation["from_columns"].append(column)
                relation["to_columns"].append(fcolumn)
            listed = list(tables.values())[:MAX_SCHEMA_TABLES]
            for entry in listed:
                try:
                    cur.execute(f"SELECT * FROM `{entry['name'].replace('`', '``')}` LIMIT {SAMPLE_ROWS}")
                    entry["sample"] = [[cell(v) for v in row] for row in cur.fetchall()]
                except pymysql.MySQLError:
                    entry["sample"] = []
        return {"tables": listed, "relations": list(grouped.values()), "notes": scratch.notes}


def _admin(server: Any, *statements: tuple[str, Any]) -> None:
    """Run ``statements`` as the server's admin on one connection (a class opening sessions at
    once would otherwise open one connection per statement)."""
    conn = server.connect(**NO_TLS)
    try:
        with conn.cursor() as cur:
            for sql, args in statements:
                cur.execute(sql, args)
    finally:
        conn.close()
