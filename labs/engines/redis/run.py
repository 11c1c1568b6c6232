"""Running commands on a deployment: the learner's answer and the lab's seed, routed by hash slot
like ``redis-cli -c``, each reply kept (clipped) in a ``Transcript`` with its line number.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from labs.attempt import AnswerRejected, LearnerTimeout
from labs.checks.output_bounds import clip
from labs.engines.redis.commands import TRANSACTION_COMMANDS, CommandSyntaxError, RedisCommand, parse_commands, shorten
from labs.engines.redis.deployment import RedisDeployment
from labs.engines.redis.resp import (
    ADMIN_TIMEOUT,
    ConnectionLost,
    DroppedElements,
    RedisReplyError,
    ReplyTimeout,
    RespConnection,
    format_reply,
    reply_length,
)
from labs.sandbox.base import SandboxError

LEARNER_REPLY_ITEMS = 100  # elements and bytes kept of each reply to a learner's command
LEARNER_REPLY_BYTES = 4096

# --------------------------------------------------------------------------- running commands


@dataclass
class Step:
    """One command of a run and what Redis answered."""

    line: int
    text: str
    reply: Any
    node: int = 0

    @property
    def error(self) -> str | None:
        return self.reply.text if isinstance(self.reply, RedisReplyError) else None

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "command": shorten(self.text), "reply": format_reply(self.reply)}


@dataclass
class Transcript:
    steps: list[Step] = field(default_factory=list)

    @property
    def errors(self) -> list[Step]:
        return [step for step in self.steps if step.error is not None]

    def preview(self, limit: int = 50) -> list[dict[str, Any]]:
        return [step.to_dict() for step in self.steps[:limit]]

    def describe_errors(self, limit: int = 3) -> str:
        """Learner-facing summary of error replies, for check hints."""
        errors = self.errors
        if not errors:
            return ""
        parts = [
            f"line {s.line} (`{shorten(s.text, 50)}`): {explain_error(s.error or '').rstrip('.')}"
            for s in errors[:limit]
        ]
        more = f" and {len(errors) - limit} more" if len(errors) > limit else ""
        return "Redis answered errors to some of your commands: " + "; ".join(parts) + more + "."


def explain_error(text: str) -> str:
    """An error reply, with a sentence of context for the ones learners meet most."""
    code = text.split(" ", 1)[0]
    extra = {
        "OOM": "the sandbox's memory limit is full; store less, use smaller values or set TTLs",
        "NOPERM": "this command is disabled in lab sandboxes",
        "CROSSSLOT": "the keys of one command must share a hash slot in a cluster; use a {hash tag}",
        "WRONGTYPE": "the key already holds another data type",
        "MOVED": "the key lives on another shard",
        "BUSY": "a script was still running",
    }.get(code)
    return f"{text} ({extra})" if extra else text


class CommandRouter:
    """Runs commands on a deployment, as the learner or the grader, routing by hash slot in a
    cluster (like ``redis-cli -c``). Transactions stick to the shard of their first key."""

    def __init__(self, deployment: RedisDeployment, learner: bool):
        self.deployment = deployment
        self.learner = learner
        self._connections: dict[int, RespConnection] = {}
        self._pinned: int | None = None  # shard a WATCH/MULTI is bound to
        self._multi_pending = False  # MULTI seen, not yet sent: waiting for the first key

    def connection(self, node: int) -> RespConnection:
        if not self.learner:
            return self.deployment.admin(node)
        if node not in self._connections:
            connection = self.deployment.connect_learner(node)
            # The learner's replies are only shown (in the transcript), never compared: keep a preview.
            connection.keep_items, connection.keep_bytes = LEARNER_REPLY_ITEMS, LEARNER_REPLY_BYTES
            self._connections[node] = connection
        return self._connections[node]

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def execute(self, argv: Sequence[bytes], deadline: float) -> tuple[Any, int]:
        """(reply, shard) for one command; error replies are returned, not raised."""
        if self.learner and bytes(argv[0]).upper() == b"CONFIG":
            return self._learner_config(argv, deadline), 0
        if not self.deployment.is_cluster:
            return self._send(0, argv, deadline), 0
        name = bytes(argv[0]).upper()
        if name == b"MULTI" and self._pinned is None:
            self._multi_pending = True
            return "OK", 0
        if self._multi_pending and name in (b"EXEC", b"DISCARD"):
            self._multi_pending = False
            return ([] if name == b"EXEC" else "OK"), 0
        node = self._pinned
        if node is None:
            keys = self.deployment.keys_of(argv)
            node = self.deployment.node_for_key(keys[0]) if keys else 0
        if self._multi_pending:
            self._multi_pending = False
            self._pinned = node
            self._send(node, (b"MULTI",), deadline)
        reply = self._send(node, argv, deadline)
        if name in (b"WATCH", b"MULTI"):
            self._pinned = node
        elif name in (b"EXEC", b"DISCARD", b"UNWATCH"):
            self._pinned = None
        elif isinstance(reply, RedisReplyError) and reply.code == "MOVED" and self._pinned is None:
            # Our slot map is static, so this only happens if the layout changed under us.
            target = self._node_by_address(reply.text)
            if target is not None:
                return self._send(target, argv, deadline), target
        return reply, node

    def _learner_config(self, argv: Sequence[bytes], deadline: float) -> Any:
        """A CONFIG SET/GET the lab allows (parse_answer screened its names): the learner's ACL
        has no CONFIG, so it runs under the grader's secret name, on every node."""
        if not self.deployment.options.learner_config:
            return RedisReplyError("NOPERM this lab does not let you change the server's settings")
        secret = self.deployment.secret_names["CONFIG"].encode()
        replies = []
        for node in self.deployment.nodes:
            admin = self.deployment.admin(node.index)
            admin.send(secret, *argv[1:], deadline=deadline)
            replies.append(admin.read(deadline))
        reply = replies[0]
        if isinstance(reply, RedisReplyError):  # never show the secret name in a learner's transcript
            return RedisReplyError(reply.text.replace(secret.decode(), "CONFIG"))
        return reply

    def _node_by_address(self, text: str) -> int | None:
        try:
            port = int(text.split()[-1].rsplit(":", 1)[1])
        except (IndexError, ValueError):
            return None
        return next((n.index for n in self.deployment.nodes if n.port == port), None)

    def _send(self, node: int, argv: Sequence[bytes], deadline: float) -> Any:
        connection = self.connection(node)
        connection.send(*argv, deadline=deadline)
        return connection.read(deadline)

    def call(self, *argv: Any, timeout: float = ADMIN_TIMEOUT) -> Any:
        """Grader convenience: run one command, raise its error reply."""
        encoded = [a if isinstance(a, bytes) else str(a).encode() for a in argv]
        reply, _ = self.execute(encoded, time.monotonic() + timeout)
        if isinstance(reply, RedisReplyError):
            raise reply
        return reply


def run_seed(deployment: RedisDeployment, text: str, source: str) -> None:
    """Load a seed file as the grader, pipelined per shard. An error is the lab's bug."""
    try:
        commands = parse_commands(text)
    except CommandSyntaxError as exc:
        raise SandboxError(f"{source}: {exc}") from None
    if not commands:
        return
    for command in commands:
        if command.name in TRANSACTION_COMMANDS and deployment.is_cluster:
            raise SandboxError(f"{source}: line {command.line}: seeds for cluster labs cannot use {command.name}")
    if deployment.is_cluster:
        all_keys = deployment.keys_of_many([c.argv for c in commands])
        targets = [deployment.node_for_key(keys[0]) if keys else 0 for keys in all_keys]
    else:
        targets = [0] * len(commands)
    by_node: dict[int, list[RedisCommand]] = {}
    for command, node in zip(commands, targets, strict=True):
        by_node.setdefault(node, []).append(command)
    for node, batch in by_node.items():
        connection = deployment.admin(node)
        for start in range(0, len(batch), 1000):
            chunk = batch[start : start + 1000]
            deadline = time.monotonic() + ADMIN_TIMEOUT
            connection.send_many([c.argv for c in chunk], deadline)
            for command in chunk:
                reply = connection.read(deadline)
                if isinstance(reply, RedisReplyError):
                    raise SandboxError(f"{source}: line {command.line} (`{shorten(command.text)}`): {reply.text}")


def run_commands(
    deployment: RedisDeployment, commands: Sequence[RedisCommand], deadline: float, time_limit: float
) -> Transcript:
    """Run an answer line by line as the learner; LearnerTimeout at the deadline."""
    router = CommandRouter(deployment, learner=True)
    transcript = Transcript()
    try:
        for command in commands:
            if time.monotonic() >= deadline:
                raise LearnerTimeout(_timeout_message(command, time_limit, before=True))
            try:
                reply, node = router.execute(command.argv, deadline)
            except ReplyTimeout:
                raise LearnerTimeout(_timeout_message(command, time_limit)) from None
            except ConnectionLost:
                raise AnswerRejected(
                    f"The Redis server stopped while running line {command.line} (`{shorten(command.text)}`). "
                    f"This happens when a command or script needs more memory than the sandbox allows "
                    f"({deployment.options.maxmemory // (1 << 20)} MiB of data). Work on less data at once."
                ) from None
            transcript.steps.append(Step(command.line, command.text, _kept_reply(reply), node))
    finally:
        router.close()
    return transcript


def _kept_reply(reply: Any) -> Any:
    """What a transcript keeps of a reply: an error (its text shortened), else the line
    format_reply shows, computed from a clipped copy so neither memory nor time depends on the
    reply's size (an answer may have thousands of commands, each returning a big value)."""
    if isinstance(reply, RedisReplyError):
        return reply if len(reply.text) <= 500 else RedisReplyError(shorten(reply.text, 500))
    if reply is None or isinstance(reply, int):
        return reply
    clipped = clip(reply, depth=3, items=21, chars=200)
    if clipped == reply and len(format_reply(clipped, limit=2000)) < 2000:
        return reply  # small: keep it as Redis sent it
    if isinstance(reply, list) and len(reply) > 20:
        # clip's own marker would count only what the reader kept; say how long the reply was
        clipped = clip(reply[:20], depth=3, items=20, chars=200) + [DroppedElements(reply_length(reply) - 20)]
    return format_reply(clipped)


def _timeout_message(command: RedisCommand, time_limit: float, before: bool = False) -> str:
    state = "was about to start" if before else "was still running"
    return (
        f"Your commands ran past this lab's limit of {time_limit:g} s: line {command.line} "
        f"(`{shorten(command.text)}`) {state}. Look for an endless loop in a script, or a blocking "
        "command (BLPOP, BRPOP, XREAD BLOCK, WAIT) with no timeout or nothing to wait for."
    )
