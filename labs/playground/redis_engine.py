"""Redis scratch areas: a redis-server of its own per session (Redis has no per-user
keyspace a learner cannot leave: SELECT, SWAPDB and scripts reach every numbered database),
configured by the grader's own deployment code (dangerous commands renamed away, ACL learner
user, ``maxmemory``, its own admin and learner passwords, a Unix socket for us).

Servers share boxes: up to SERVERS_PER_BOX per box (own network namespace, cgroup and
tmpfs, one box account), because box accounts are few and a redis-server is a few MB. Inside
a box the servers cannot reach each other's data: the learner's commands go only to its own
server, REPLICAOF/MIGRATE (the commands that talk to another server) are refused, and each
server has passwords of its own."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
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
from labs.sandbox import base, box

MAX_SERVERS = int(os.environ.get("INDEXED_PLAYGROUND_MAX_REDIS", "120"))
SERVERS_PER_BOX = 40
MAXMEMORY = 16 << 20


@dataclass
class RedisScratch:
    session_id: str
    dataset: Dataset
    deployment: Any
    home: Any  # the shared box this server lives in
    notes: list[str] = field(default_factory=list)


@dataclass
class _SharedBox:
    sandbox: base.SandboxDir
    servers: set[str] = field(default_factory=set)
    # the box's owner record is rewritten on every spawn: one writer at a time
    record_lock: threading.Lock = field(default_factory=threading.Lock)


class RedisPlayground:
    name = "redis"

    def __init__(self) -> None:
        self._boxes: list[_SharedBox] = []
        self._count = 0
        self._lock = threading.Lock()

    def _reserve_box(self, session_id: str) -> _SharedBox:
        with self._lock:
            if self._count >= MAX_SERVERS:
                raise PlaygroundError(f"all {MAX_SERVERS} Redis playgrounds are in use; try again in a few minutes")
            home = next((b for b in self._boxes if len(b.servers) < SERVERS_PER_BOX), None)
            if home is None:
                # Room for SERVERS_PER_BOX servers of MAXMEMORY each, and their threads.
                limits = box.Limits.from_env(
                    memory_bytes=SERVERS_PER_BOX * (MAXMEMORY + (8 << 20)),
                    disk_bytes=256 << 20,
                    pids=SERVERS_PER_BOX * 8 + 16,
                    cpus=2.0,
                )
                home = _SharedBox(base.make_sandbox_dir("playground-redis", limits))
                os.chmod(home.sandbox.path, 0o711)
                self._boxes.append(home)
            self._count += 1
            home.servers.add(session_id)  # under the lock: a concurrent drop must not remove this box
            return home

    def _release(self, home: _SharedBox, session_id: str) -> None:
        with self._lock:
            home.servers.discard(session_id)
            self._count -= 1
            if not home.servers and home in self._boxes:
                self._boxes.remove(home)
                base.remove_sandbox_dir(home.sandbox)

    def create(self, session_id: str, dataset: Dataset) -> RedisScratch:
        from labs.engines.redis.deployment import (
            LEARNER_SETTINGS,
            SECRET_COMMANDS,
            RedisDeployment,
            RedisNode,
            RedisOptions,
            _spawn_server,
            _wait_ready,
            _write_config,
        )
        from labs.engines.redis.run import run_seed

        home = self._reserve_box(session_id)
        deployment = RedisDeployment(
            topology="standalone",
            sandbox=home.sandbox,
            nodes=[],
            admin_password=secrets.token_urlsafe(24),
            learner_password=secrets.token_urlsafe(24),
            secret_names={name: f"{name.lower()}-{secrets.token_hex(12)}" for name in SECRET_COMMANDS},
            # CONFIG GET/SET of the persistence settings, as the persistence labs allow
            options=RedisOptions(maxmemory=MAXMEMORY, learner_config=LEARNER_SETTINGS),
        )
        scratch = RedisScratch(session_id, dataset, deployment, home)
        try:
            node_dir = home.sandbox.path / f"redis-{session_id}"
            node_dir.mkdir(mode=0o700)
            port = base.free_port()
            conf = _write_config(deployment, node_dir, port, None)
            base.chown_to_sandbox_user(node_dir)
            with home.record_lock:
                process = _spawn_server(deployment, conf, node_dir, port)
            deployment.nodes.append(RedisNode(0, port, None, process, node_dir))
            _wait_ready(deployment, deployment.nodes[0])
            for number, script in enumerate(dataset.scripts, start=1):
                if dataset.kind == "lesson":
                    scratch.notes.extend(_run_block(deployment, script, number))
                else:
                    run_seed(deployment, script, f"block {number}")
        except BaseException:
            self.drop(scratch)
            raise
        return scratch

    def drop(self, scratch: RedisScratch) -> None:
        """Kill this session's server and remove its directory; the box goes with its last one."""
        deployment = scratch.deployment
        for connection in deployment._admin.values():
            connection.close()
        deployment._admin.clear()
        for node in deployment.nodes:
            if node.process.poll() is None:
                node.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.process.wait(timeout=5)
            with contextlib.suppress(ValueError), scratch.home.record_lock:
                deployment.sandbox.pids.remove(node.process.pid)  # reaped: never signal a reused pid
            shutil.rmtree(node.path, ignore_errors=True)
        deployment.nodes.clear()
        self._release(scratch.home, scratch.session_id)

    def alive(self, scratch: RedisScratch) -> bool:
        """False when its server died (a script past its memory): it must be rebuilt."""
        return all(node.process.poll() is None for node in scratch.deployment.nodes)

    def reset(self, scratch: RedisScratch) -> RedisScratch:
        self.drop(scratch)
        return self.create(scratch.session_id, scratch.dataset)

    def close(self) -> None:
        with self._lock:
            boxes, self._boxes, self._count = list(self._boxes), [], 0
        for home in boxes:
            base.remove_sandbox_dir(home.sandbox)  # kills every server left in it

    def sandbox_paths(self) -> list[str]:
        """Each live session's own server directory (inside its shared box)."""
        with self._lock:
            homes = list(self._boxes)
        return [str(p) for home in homes for p in home.sandbox.path.glob("redis-*")]

    def run(self, scratch: RedisScratch, text: str, explain: bool = False) -> Outcome:
        from labs.engines.redis.commands import parse_answer
        from labs.engines.redis.deployment import LEARNER_SETTINGS
        from labs.engines.redis.resp import RedisReplyError, format_reply
        from labs.engines.redis.run import run_commands

        outcome = Outcome(columns=["line", "command", "reply"])
        if explain:
            outcome.notice = "Redis has no query plans: each command's cost is in its documentation (O(1), O(N) …)."
        clock = Stopwatch()
        try:
            commands = parse_answer(text, "standalone", LEARNER_SETTINGS)
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
        return {"tables": tables, "relations": [], "notes": scratch.notes, "kind": "keys"}


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


def _run_block(deployment: Any, script: str, number: int) -> list[str]:
    """A lesson block run as its reader would run it: with the learner's rights, line by
    line; a line that is refused or fails is skipped and noted, never fatal to the playground."""
    from labs.engines.redis.commands import CommandSyntaxError, parse_commands, refuse_forbidden
    from labs.engines.redis.deployment import LEARNER_SETTINGS
    from labs.engines.redis.run import run_commands

    try:
        commands = parse_commands(script)
    except CommandSyntaxError as exc:
        return [f"block {number} of the dataset could not be read: {exc}"]
    notes, allowed = [], []
    for command in commands:
        try:
            refuse_forbidden(command, "standalone", LEARNER_SETTINGS)
            allowed.append(command)
        except AnswerRejected as exc:
            notes.append(f"block {number}, line {command.line} of the dataset was skipped: {exc}")
    try:
        transcript = run_commands(deployment, allowed, time.monotonic() + 30.0, 30.0)
    except (AnswerRejected, LearnerTimeout) as exc:
        return [*notes, f"block {number} of the dataset did not finish: {exc}"]
    notes += [f"block {number}, line {step.line} of the dataset failed: {step.reply}" for step in transcript.errors]
    return notes


def _line_in(message: str) -> int | None:
    import re

    match = re.search(r"\bline (\d+)", message, re.IGNORECASE)
    return int(match.group(1)) if match else None
