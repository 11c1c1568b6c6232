"""What the playground engines with one shared server (PostgreSQL, MariaDB, Mongo) have in
common: the server's box and its restarts, and (for the SQL engines) a session's connection
and a run of learner SQL under one watchdog. Each engine keeps only what is its own: how
the server starts, how a session's area is made and dropped, how one statement runs."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from labs.playground.common import STATEMENT_TIMEOUT_S, Dataset, Outcome, PlaygroundError, Stopwatch, locate
from labs.sandbox import base, box


class PooledPlayground:
    """One server for every session of an engine, in a box of its own, started on first use
    and again after it died (then ``_generation`` grows: a session of an older start is gone)."""

    name = ""
    sandbox_name = ""  # the box's directory prefix
    forget_pids_on_stop = False  # the server's stop() reaps its own processes: never signal a reused pid

    def __init__(self) -> None:
        self._server: Any = None
        self._sandbox: base.SandboxDir | None = None
        self._lock: Any = threading.Lock()  # server start (and each engine's own shared state)
        self._generation = 0

    def _limits(self) -> box.Limits | None:
        # A box with room for every session's database and connections.
        return box.Limits.from_env(memory_bytes=2 << 30, disk_bytes=2 << 30, pids=400, cpus=2.0)

    def _launch(self, sandbox: base.SandboxDir) -> Any:
        """Start the engine's server in ``sandbox`` and return it, ready."""
        raise NotImplementedError

    def _prepare(self, server: Any) -> None:
        """What a fresh server needs before the first session (a failure stops it again)."""

    def server(self) -> Any:
        with self._lock:
            if self._server is not None and self._server.alive():
                return self._server
            self._stop_locked()
            self._sandbox = base.make_sandbox_dir(self.sandbox_name, self._limits())
            try:
                self._server = self._launch(self._sandbox)
                self._prepare(self._server)
            except BaseException:
                self._stop_locked()
                raise
            self._generation += 1
            return self._server

    def _stop_locked(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.stop()
            self._server = None
        if self._sandbox is not None:
            if self.forget_pids_on_stop:
                self._sandbox.pids.clear()
            base.remove_sandbox_dir(self._sandbox)
            self._sandbox = None

    def close(self) -> None:
        with self._lock:
            self._stop_locked()

    def sandbox_paths(self) -> list[str]:
        return [str(self._sandbox.path)] if self._sandbox is not None else []


class SqlPlayground(PooledPlayground):
    """A pooled SQL server where each session has a database, an account and a connection
    of its own (``scratch.conn``), and a run is a script of statements."""

    driver_error: type[Exception] = Exception  # the driver's error: the server refused or is gone
    script_error: type[Exception] = ValueError  # a script that does not split into statements

    def alive(self, scratch: Any) -> bool:
        """False when the server it lived on died (an out-of-memory kill): it must be rebuilt."""
        return scratch.generation == self._generation and self._server is not None and self._server.alive()

    def create(self, session_id: str, dataset: Dataset) -> Any:
        raise NotImplementedError

    def _drop_area(self, scratch: Any) -> None:
        """Drop the session's database and account on the live server."""
        raise NotImplementedError

    def _connect(self, scratch: Any) -> Any:
        """A new connection as the session's account, with the playground's limits."""
        raise NotImplementedError

    def _connection_usable(self, conn: Any) -> bool:
        raise NotImplementedError

    def _split(self, text: str) -> list:
        """The script's statements; ``script_error`` says why it does not split."""
        raise NotImplementedError

    def _watchdog(self, conn: Any) -> Any:
        """What the watchdog calls to stop the connection's running statement."""
        raise NotImplementedError

    def _run_statements(
        self, conn: Any, scratch: Any, text: str, statements: list, offsets: list[int], explain: bool, outcome: Outcome
    ) -> None:
        raise NotImplementedError

    def _connection(self, scratch: Any) -> Any:
        if scratch.conn is None or not self._connection_usable(scratch.conn):
            try:
                scratch.conn = self._connect(scratch)
            except self.driver_error as exc:
                raise PlaygroundError(f"cannot reach the scratch database: {exc}") from exc
        return scratch.conn

    def drop(self, scratch: Any) -> None:
        if scratch.conn is not None:
            with contextlib.suppress(Exception):
                scratch.conn.close()
        if self._server is None or not self._server.alive():
            return
        self._drop_area(scratch)

    def reset(self, scratch: Any) -> Any:
        self.drop(scratch)
        return self.create(scratch.session_id, scratch.dataset)

    def run(self, scratch: Any, text: str, explain: bool = False) -> Outcome:
        outcome = Outcome()
        try:
            statements = self._split(text)
        except self.script_error as exc:
            outcome.error = {"message": str(exc), "line": None, "hint": ""}
            return outcome
        if not statements:
            outcome.error = {"message": "There is nothing to run: write a statement first.", "line": None, "hint": ""}
            return outcome
        offsets = locate(text, [s.text for s in statements])
        conn = self._connection(scratch)
        clock = Stopwatch()
        # One budget for the whole run: a learner may switch the server's own timeout off in
        # the session.
        watchdog = threading.Timer(STATEMENT_TIMEOUT_S + 0.5, self._watchdog(conn))
        watchdog.start()
        try:
            self._run_statements(conn, scratch, text, statements, offsets, explain, outcome)
        finally:
            watchdog.cancel()
        outcome.elapsed_ms = clock.ms()
        return outcome
