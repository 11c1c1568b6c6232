"""Redis scratch areas: a redis-server of its own per session (Redis has no per-user
keyspace a learner cannot leave: SELECT, SWAPDB and scripts reach every numbered database),
started by the grader's deployment code in its own box, with dangerous commands renamed
away, ``maxmemory`` set and the learner's connection on its own password. A server starts in
milliseconds; the number of live ones is capped so the box accounts are never exhausted."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from labs.attempt import AnswerRejected, LearnerTimeout
from labs.playground.common import (
    MAX_ROWS,
    MAX_SCHEMA_TABLES,
    STATEMENT_TIMEOUT_S,
    Dataset,
    Outcome,
    PlaygroundError,
    Stopwatch,
    cell,
)

MAX_SERVERS = int(os.environ.get("INDEXED_PLAYGROUND_MAX_REDIS", "12"))
MAXMEMORY = 16 << 20


@dataclass
class RedisScratch:
    session_id: str
    dataset: Dataset
    deployment: Any


class RedisPlayground:
    name = "redis"

    def __init__(self) -> None:
        self._live: dict[str, RedisScratch] = {}
        self._lock = threading.Lock()

    def create(self, session_id: str, dataset: Dataset) -> RedisScratch:
        from labs.engines.redis.deployment import RedisOptions, start_deployment
        from labs.engines.redis.run import run_seed

        with self._lock:
            if len(self._live) >= MAX_SERVERS:
                raise PlaygroundError(f"all {MAX_SERVERS} Redis playgrounds are in use; try again in a few minutes")
            self._live[session_id] = None  # type: ignore[assignment]  # reserve the slot
        try:
            deployment = start_deployment("standalone", RedisOptions(maxmemory=MAXMEMORY))
            try:
                for number, script in enumerate(dataset.scripts, start=1):
                    run_seed(deployment, script, f"block {number}")
            except BaseException:
                deployment.stop()
                raise
        except BaseException:
            with self._lock:
                self._live.pop(session_id, None)
            raise
        scratch = RedisScratch(session_id, dataset, deployment)
        with self._lock:
            self._live[session_id] = scratch
        return scratch

    def drop(self, scratch: RedisScratch) -> None:
        with self._lock:
            self._live.pop(scratch.session_id, None)
        scratch.deployment.stop()

    def reset(self, scratch: RedisScratch) -> RedisScratch:
        self.drop(scratch)
        return self.create(scratch.session_id, scratch.dataset)

    def close(self) -> None:
        with self._lock:
            live = [s for s in self._live.values() if s is not None]
        for scratch in live:
            with contextlib.suppress(Exception):
                self.drop(scratch)

    def sandbox_paths(self) -> list[str]:
        with self._lock:
            return [str(s.deployment.sandbox.path) for s in self._live.values() if s is not None]

    def run(self, scratch: RedisScratch, text: str, explain: bool = False) -> Outcome:
        from labs.engines.redis.commands import parse_answer
        from labs.engines.redis.resp import RedisReplyError, format_reply
        from labs.engines.redis.run import run_commands

        outcome = Outcome(columns=["line", "command", "reply"])
        if explain:
            outcome.notice = "Redis has no query plans: each command's cost is in its documentation (O(1), O(N) …)."
        clock = Stopwatch()
        try:
            commands = parse_answer(text, "standalone")
            deadline = time.monotonic() + STATEMENT_TIMEOUT_S
            transcript = run_commands(scratch.deployment, commands, deadline, STATEMENT_TIMEOUT_S)
        except (AnswerRejected, LearnerTimeout) as exc:
            outcome.error = {"message": str(exc), "line": _line_in(str(exc)), "hint": ""}
            outcome.elapsed_ms = clock.ms()
            return outcome
        outcome.elapsed_ms = clock.ms()
        for step in transcript.steps[:MAX_ROWS]:
            reply = step.reply if isinstance(step.reply, str) else format_reply(step.reply, limit=400)
            outcome.rows.append([step.line, cell(step.text), cell(reply)])
            status = "error" if isinstance(step.reply, RedisReplyError) else "ok"
            outcome.statements.append({"line": step.line, "status": status, "ms": None})
            if status == "error" and outcome.error is None:
                outcome.error = {"message": reply, "line": step.line, "hint": ""}
        outcome.truncated = len(transcript.steps) > MAX_ROWS
        return outcome

    def schema(self, scratch: RedisScratch) -> dict[str, Any]:
        """Redis has no schema: the keys (up to a bound), each with its type and a sample."""
        from labs.engines.redis.resp import format_reply

        connection = scratch.deployment.admin()
        deadline = time.monotonic() + 2.0
        keys: list[bytes] = []
        cursor = b"0"
        while len(keys) < MAX_SCHEMA_TABLES and time.monotonic() < deadline:
            connection.send_many([[b"SCAN", cursor, b"COUNT", b"100"]], deadline)
            cursor, batch = connection.read(deadline)
            keys.extend(batch)
            if cursor in (b"0", 0, "0"):
                break
        tables = []
        for key in sorted(keys)[:MAX_SCHEMA_TABLES]:
            connection.send_many([[b"TYPE", key]], deadline)
            kind = connection.read(deadline)
            kind = kind.decode() if isinstance(kind, bytes) else str(kind)
            sample = _sample(connection, key, kind, deadline)
            name = key.decode(errors="replace")
            tables.append(
                {
                    "name": name,
                    "columns": [{"name": "type", "type": kind, "not_null": True, "pk": False}],
                    "sample": [[cell(format_reply(sample, limit=200))]],
                }
            )
        return {"tables": tables, "relations": [], "notes": [], "kind": "keys"}


_SAMPLE_COMMANDS = {
    "string": lambda k: [b"GET", k],
    "list": lambda k: [b"LRANGE", k, b"0", b"4"],
    "set": lambda k: [b"SRANDMEMBER", k, b"5"],
    "zset": lambda k: [b"ZRANGE", k, b"0", b"4", b"WITHSCORES"],
    "hash": lambda k: [b"HRANDFIELD", k, b"5", b"WITHVALUES"],
    "stream": lambda k: [b"XRANGE", k, b"-", b"+", b"COUNT", b"3"],
}


def _sample(connection: Any, key: bytes, kind: str, deadline: float) -> Any:
    make = _SAMPLE_COMMANDS.get(kind)
    if make is None:
        return None
    connection.send_many([make(key)], deadline)
    return connection.read(deadline)


def _line_in(message: str) -> int | None:
    import re

    match = re.search(r"\bline (\d+)", message, re.IGNORECASE)
    return int(match.group(1)) if match else None
