"""The Redis engine: one private ``redis-server`` per attempt, or a Redis Cluster of N shards.

Isolation, from the outside in:

- every attempt gets its own server processes (never shared, never reused), bound to
  127.0.0.1 on free ports, run as the unprivileged sandbox user when we are root, with
  resource limits (address space, file size, no core dumps) so Lua cannot eat the host;
- two random passwords per attempt: ``default`` is the grader's (``requirepass``) and
  ``learner`` is an ACL user with ``+@all -@admin -@dangerous`` plus a few harmless
  commands given back (INFO, KEYS, FLUSHDB/FLUSHALL on its own server, SORT). ACLs apply
  inside Lua scripts too, so EVAL is safe to allow;
- commands that touch the filesystem, other servers or the process are renamed away
  (``rename-command X ""``); CONFIG, which the grader needs, is renamed to a secret
  random name known only to this attempt's grader;
- no persistence (``save ""``, ``appendonly no``), ``maxmemory`` with a policy, and
  ``proto-max-bulk-len`` capped so a single SETRANGE/SETBIT cannot allocate past it;
- the learner's answer is parsed first (redis-cli quoting rules) and commands that are
  disabled are refused with a message naming the line, before anything runs;
- every learner command waits at most until the lab's deadline; a busy script or a
  blocking command ends the attempt as a timeout and the servers are SIGKILLed.

The answer format "redis" is one command per line, redis-cli style; blank lines and lines
starting with ``#`` are ignored. Commands run in order on one connection, an error reply
does not stop the run: it is recorded with its line number and shown in check hints.

Cluster topology: each shard is a ``redis-server`` with ``cluster-enabled yes``; slots are
assigned with CLUSTER ADDSLOTSRANGE and the nodes joined with CLUSTER MEET. Redis refuses
to turn a fresh master writable for 2 s after it starts (CLUSTER_WRITABLE_DELAY), so a
cold cluster takes ~2.5 s; to be ready in well under a second we keep one spare, already
formed, never used cluster per shard count (``INDEXED_REDIS_WARM_CLUSTERS``, default 1)
and build the next one in a background thread. Commands are routed by hash slot (keys
from COMMAND GETKEYS), like ``redis-cli -c``; keyless commands go to the first shard.

We speak RESP2 ourselves (``RespConnection``) rather than through redis-py's client: we
need the exact error text with its code, error replies kept as values inside EXEC
replies, per-call deadlines, and pipelining with per-line attribution for seeds.
"""

from __future__ import annotations

import atexit
import functools
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.crc import key_slot

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.checks.output_bounds import clip
from labs.sandbox.base import (
    SandboxDir,
    SandboxError,
    chown_to_sandbox_user,
    ensure_sandbox_user,
    free_port,
    make_sandbox_dir,
    remove_sandbox_dir,
    spawn_process,
)
from labs.spec import LabSpec

REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
HOST = "127.0.0.1"
DEFAULT_MAXMEMORY = "32mb"
DEFAULT_POLICY = "noeviction"  # learners should *see* the OOM error rather than lose keys silently
MEMORY_POLICIES = frozenset(
    {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random",
     "volatile-ttl"}
)  # fmt: skip
DEFAULT_SHARDS = 3
MAX_SHARDS = 8
MAX_ANSWER_LINES = 5000
MAX_ANSWER_BYTES = 1 << 20
MAX_REPLY_DEPTH = 32  # array nesting kept from a reply (a Lua script's table can nest far deeper)
LEARNER_REPLY_ITEMS = 100  # elements and bytes kept of each reply to a learner's command
LEARNER_REPLY_BYTES = 4096
START_TIMEOUT = 5.0  # seconds for one redis-server to accept connections
FORM_TIMEOUT = 10.0  # seconds for a cluster to reach cluster_state:ok
ADMIN_TIMEOUT = 10.0  # seconds for one grader command
TOTAL_SLOTS = 16384
# Fast gossip while forming, then a calm timeout so a learner's slow script on one shard
# does not make the others mark it as failed mid-attempt.
FORMING_NODE_TIMEOUT_MS = 100
RUNNING_NODE_TIMEOUT_MS = 15000

CAPABILITIES = frozenset({"cluster", "scripting", "functions", "streams", "pubsub"})

# Renamed to "" on every server: neither the learner nor the grader needs them, and each
# touches the filesystem, another server or the process itself.
REMOVED_COMMANDS = (
    "DEBUG", "MODULE", "SHUTDOWN", "SAVE", "BGSAVE", "BGREWRITEAOF", "REPLICAOF", "SLAVEOF",
    "SYNC", "PSYNC", "FAILOVER", "MIGRATE", "MONITOR", "ACL",
)  # fmt: skip
# Renamed to a secret per attempt: the grader still needs them.
SECRET_COMMANDS = ("CONFIG",)

# The learner's ACL: everything but administration and the "dangerous" category, then a
# few dangerous-labelled commands given back because they only affect the learner's own
# private server and are part of the course (KEYS vs SCAN, FLUSHDB, INFO memory).
LEARNER_ACL = "on ~* &* +@all -@admin -@dangerous +info +keys +flushdb +flushall +sort +sort_ro"

# Refused before anything runs, with the reason shown to the learner.
_OTHER_SERVERS = "it connects your sandbox to another server, and lab sandboxes are isolated"
_DISK = "it writes files on the server's disk, and lab sandboxes keep data in memory only"
FORBIDDEN_COMMANDS: dict[str, str] = {
    "CONFIG": "it changes the server's settings (memory limit, files on disk), which the lab fixes",
    "DEBUG": "it can crash or freeze the server",
    "SHUTDOWN": "it stops the server your answer is graded on",
    "MODULE": "it loads native code into the server",
    "ACL": "it changes who may run which commands",
    "REPLICAOF": _OTHER_SERVERS,
    "SLAVEOF": _OTHER_SERVERS,
    "SYNC": _OTHER_SERVERS,
    "PSYNC": _OTHER_SERVERS,
    "FAILOVER": _OTHER_SERVERS,
    "MIGRATE": _OTHER_SERVERS,
    "SAVE": _DISK,
    "BGSAVE": _DISK,
    "BGREWRITEAOF": _DISK,
    "MONITOR": "it streams every command forever and never returns a reply",
    "SUBSCRIBE": "it turns the connection into a listener that waits for messages forever (use PUBLISH)",
    "PSUBSCRIBE": "it turns the connection into a listener that waits for messages forever (use PUBLISH)",
    "SSUBSCRIBE": "it turns the connection into a listener that waits for messages forever (use SPUBLISH)",
    "AUTH": "the lab connects and authenticates you already",
    "HELLO": "the lab connects you already and reads replies in the RESP2 protocol",
    "RESET": "it resets the connection the lab opened for you",
    "QUIT": "the lab closes the connection for you after your last line",
}
# Subcommands of CLIENT and CLUSTER that only read: the others manage connections or the
# cluster layout, which the lab owns.
ALLOWED_SUBCOMMANDS = {
    "CLIENT": {"ID", "GETNAME", "SETNAME", "INFO"},
    "CLUSTER": {"KEYSLOT", "INFO", "NODES", "SLOTS", "SHARDS", "COUNTKEYSINSLOT", "GETKEYSINSLOT", "MYID", "LINKS"},
}
SUBCOMMAND_REASONS = {
    "CLIENT": "it manages other connections, including the grader's",
    "CLUSTER": "it changes the cluster's layout, which the lab sets up for you",
}

TRANSACTION_COMMANDS = {"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"}


# --------------------------------------------------------------------------- commands


class CommandSyntaxError(ValueError):
    """A line that redis-cli could not split into arguments either."""

    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True)
class RedisCommand:
    line: int  # 1-based line number in its file, for messages
    argv: tuple[bytes, ...]
    text: str  # the line as written, for messages

    @property
    def name(self) -> str:
        return self.argv[0].decode("utf-8", "replace").upper()

    @property
    def subcommand(self) -> str:
        return self.argv[1].decode("utf-8", "replace").upper() if len(self.argv) > 1 else ""


_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a"}
_HEX = set("0123456789abcdefABCDEF")


def split_command_line(line: str, line_number: int = 1) -> list[bytes]:
    """Split one line into arguments the way redis-cli does (sdssplitargs).

    Double quotes allow ``\\n \\r \\t \\b \\a \\\\ \\" \\xHH`` escapes; single quotes only
    ``\\'``; a closing quote must be followed by a space or the end of the line.
    """
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        token = bytearray()
        in_double = in_single = False
        while True:
            if in_double:
                if i >= n:
                    raise CommandSyntaxError(line_number, 'a double quote (") is never closed')
                c = line[i]
                if c == "\\" and i + 3 < n and line[i + 1] == "x" and line[i + 2] in _HEX and line[i + 3] in _HEX:
                    token.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == "\\" and i + 1 < n:
                    i += 1
                    token += _ESCAPES.get(line[i], line[i].encode())
                elif c == '"':
                    if i + 1 < n and not line[i + 1].isspace():
                        raise CommandSyntaxError(line_number, "a closing quote must be followed by a space")
                    i += 1
                    break
                else:
                    token += c.encode()
            elif in_single:
                if i >= n:
                    raise CommandSyntaxError(line_number, "a single quote (') is never closed")
                c = line[i]
                if c == "\\" and i + 1 < n and line[i + 1] == "'":
                    token += b"'"
                    i += 1
                elif c == "'":
                    if i + 1 < n and not line[i + 1].isspace():
                        raise CommandSyntaxError(line_number, "a closing quote must be followed by a space")
                    i += 1
                    break
                else:
                    token += c.encode()
            else:
                if i >= n or line[i].isspace():
                    break
                c = line[i]
                if c == '"':
                    in_double = True
                elif c == "'":
                    in_single = True
                else:
                    token += c.encode()
            i += 1
        args.append(bytes(token))


def parse_commands(text: str) -> list[RedisCommand]:
    """One command per line; blank lines and ``#`` comments skipped. Raises CommandSyntaxError."""
    commands = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        argv = split_command_line(stripped, number)
        if argv:
            commands.append(RedisCommand(line=number, argv=tuple(argv), text=stripped))
    return commands


def parse_answer(answer: str, topology: str) -> list[RedisCommand]:
    """The learner's commands, or AnswerRejected naming the line and saying what to change."""
    if len(answer.encode()) > MAX_ANSWER_BYTES:
        raise AnswerRejected(
            f"Your answer is {len(answer.encode()) // 1024} KiB; lab answers are limited to "
            f"{MAX_ANSWER_BYTES // 1024} KiB. Generate data with a loop in EVAL instead of one line per key."
        )
    try:
        commands = parse_commands(answer)
    except CommandSyntaxError as exc:
        raise AnswerRejected(
            f"Line {exc.line} could not be read: {exc.problem}. Quote values with spaces as in redis-cli, "
            'e.g. SET greeting "hello world".'
        ) from None
    if len(commands) > MAX_ANSWER_LINES:
        raise AnswerRejected(f"Your answer has {len(commands)} commands; the limit is {MAX_ANSWER_LINES}.")
    if not commands:
        raise AnswerRejected("Your answer has no commands. Write one Redis command per line, e.g. ZADD lb 10 alice.")
    for command in commands:
        refuse_forbidden(command, topology)
    return commands


def refuse_forbidden(command: RedisCommand, topology: str) -> None:
    name = command.name
    reason = FORBIDDEN_COMMANDS.get(name)
    label = name
    if reason is None and name in ALLOWED_SUBCOMMANDS:
        sub = command.subcommand
        if sub not in ALLOWED_SUBCOMMANDS[name]:
            label = f"{name} {sub}".strip()
            reason = SUBCOMMAND_REASONS[name]
    if reason is None and topology == "cluster" and name in ("SELECT", "SWAPDB"):
        reason = "a Redis Cluster has only database 0"
    if reason:
        raise AnswerRejected(
            f"{label} is disabled in lab sandboxes: {reason}. Remove line {command.line} "
            f"(`{_shorten(command.text)}`) and submit again."
        )


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- RESP2 client


class RedisReplyError(Exception):
    """An error reply. Raised by ``call``; kept as a value inside arrays (EXEC) and transcripts."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text
        self.code = text.split(" ", 1)[0]


class ReplyTimeout(Exception):
    """No complete reply before the deadline."""


class ConnectionLost(Exception):
    """The server closed the connection (it crashed, or was killed)."""


def encode_command(argv: Sequence[Any]) -> bytes:
    parts = [b"*%d\r\n" % len(argv)]
    for arg in argv:
        if isinstance(arg, bytes):
            data = arg
        elif isinstance(arg, str):
            data = arg.encode()
        elif isinstance(arg, (int, float)) and not isinstance(arg, bool):
            data = repr(arg).encode()
        else:
            raise TypeError(f"cannot send {type(arg).__name__} to Redis")
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class RespConnection:
    """One authenticated RESP2 connection with deadline-bounded reads."""

    # None: keep whole replies (the grader's own reads). A learner's connection sets them, so a
    # reply of millions of elements or megabytes costs the grader a bounded amount of memory.
    keep_items: int | None = None
    keep_bytes: int | None = None

    def __init__(
        self,
        port: int,
        password: str,
        username: str | None = None,
        timeout: float = START_TIMEOUT,
        unix_path: Path | None = None,
    ):
        """Over ``unix_path`` when given (a boxed server is not on the host's network), else TCP."""
        self.port = port
        try:
            if unix_path is not None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(str(unix_path))
            else:
                self.sock = socket.create_connection((HOST, port), timeout=timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            raise SandboxError(f"cannot connect to the sandbox Redis on port {port}: {exc}") from None
        self.buffer = bytearray()
        self.pos = 0
        auth = ("AUTH", username, password) if username else ("AUTH", password)
        try:
            self.call(*auth, timeout=timeout)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, *argv: Any, deadline: float | None = None) -> None:
        self.send_many([argv], deadline)

    def send_many(self, commands: Sequence[Sequence[Any]], deadline: float | None = None) -> None:
        payload = b"".join(encode_command(argv) for argv in commands)
        self.sock.settimeout(max(0.001, (deadline or time.monotonic() + ADMIN_TIMEOUT) - time.monotonic()))
        try:
            self.sock.sendall(payload)
        except TimeoutError:
            raise ReplyTimeout() from None
        except OSError as exc:
            raise ConnectionLost(str(exc)) from None

    def read(self, deadline: float) -> Any:
        """The next reply; an error reply is *returned* as a RedisReplyError."""
        return self._read_reply(deadline)

    def call(self, *argv: Any, timeout: float = ADMIN_TIMEOUT) -> Any:
        deadline = time.monotonic() + timeout
        self.send(*argv, deadline=deadline)
        reply = self.read(deadline)
        if isinstance(reply, RedisReplyError):
            raise reply
        return reply

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReplyTimeout()
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 16)
        except TimeoutError:
            raise ReplyTimeout() from None
        except OSError as exc:
            raise ConnectionLost(str(exc)) from None
        if not chunk:
            raise ConnectionLost("the server closed the connection")
        if self.pos:
            del self.buffer[: self.pos]
            self.pos = 0
        self.buffer += chunk

    def _read_line(self, deadline: float) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buffer[self.pos : end])
                self.pos = end + 2
                return line
            self._fill(deadline)

    def _read_exact(self, size: int, deadline: float) -> bytes:
        keep = size if self.keep_bytes is None else min(size, self.keep_bytes)
        while len(self.buffer) - self.pos < keep + 2 and len(self.buffer) - self.pos < size + 2:
            self._fill(deadline)
        data = bytes(self.buffer[self.pos : self.pos + keep])
        if keep == size:
            self.pos += size + 2
            return data
        # A learner's reply longer than we show: read past the rest without holding it.
        left = size + 2 - keep
        while left > 0:
            available = len(self.buffer) - self.pos - keep
            if available <= 0:
                del self.buffer[: self.pos + keep]
                self.pos, keep = 0, 0
                self._fill(deadline)
                continue
            taken = min(available, left)
            keep += taken
            left -= taken
        self.pos += keep
        return data + f"... ({size - len(data)} more bytes)".encode()

    def _read_reply(self, deadline: float) -> Any:
        """One reply, read without recursion: a script can return arrays nested thousands of
        levels deep, which a recursive reader (and everything formatting it) would turn into
        a RecursionError. On a learner's connection only the first ``keep_items`` elements of
        an array and ``keep_bytes`` of a string are kept; the rest is read and dropped."""
        frames: list[list[Any]] = []  # [items kept, elements still to read, elements dropped]
        while True:
            value = self._read_one(deadline)
            if isinstance(value, _ArrayHeader):
                if value.count > 0:
                    frames.append([[], value.count, 0])
                    continue
                value = None if value.count < 0 else []
            while frames:
                frame = frames[-1]
                if self.keep_items is None or len(frame[0]) < self.keep_items:
                    frame[0].append(value)
                else:
                    frame[2] += 1
                frame[1] -= 1
                if frame[1] > 0:
                    break
                frames.pop()
                value = frame[0]
                if frame[2]:
                    value.append(f"(… {frame[2]} more elements)")
                if len(frames) >= MAX_REPLY_DEPTH:  # keep the nesting of what we hold bounded
                    value = f"(an array nested more than {MAX_REPLY_DEPTH} levels deep)"
            else:
                return value

    def _read_one(self, deadline: float) -> Any:
        line = self._read_line(deadline)
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode("utf-8", "replace")
        if kind == b"-":
            return RedisReplyError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self._read_exact(size, deadline)
        if kind == b"*":
            return _ArrayHeader(int(rest))
        raise ConnectionLost(f"unexpected reply from Redis: {line[:40]!r}")


@dataclass(frozen=True)
class _ArrayHeader:
    count: int


def reply_text(reply: Any) -> Any:
    """A reply with bulk strings decoded (binary shown with \\x escapes), for checks and JSON."""
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "backslashreplace")
    if isinstance(reply, list):
        return [reply_text(item) for item in reply]
    if isinstance(reply, RedisReplyError):
        return f"(error) {reply.text}"
    return reply


def format_reply(reply: Any, limit: int = 200) -> str:
    """redis-cli's way of showing a reply, on one line, shortened."""
    if isinstance(reply, RedisReplyError):
        text = f"(error) {reply.text}"
    elif reply is None:
        text = "(nil)"
    elif isinstance(reply, int):
        text = f"(integer) {reply}"
    elif isinstance(reply, bytes):
        text = '"' + reply.decode("utf-8", "backslashreplace") + '"'
    elif isinstance(reply, list):
        text = (
            "[" + ", ".join(format_reply(item, limit) for item in reply[:20]) + (", …" if len(reply) > 20 else "") + "]"
        )
    else:
        text = str(reply)
    return _shorten(text, limit)


# --------------------------------------------------------------------------- servers


def parse_memory(value: str | int) -> int:
    """Redis memory units: 1k = 1000, 1kb = 1024, and so on; a bare number is bytes."""
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"gb": 1 << 30, "mb": 1 << 20, "kb": 1 << 10, "g": 10**9, "m": 10**6, "k": 10**3, "b": 1}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


@dataclass(frozen=True)
class RedisOptions:
    maxmemory: int = parse_memory(DEFAULT_MAXMEMORY)
    policy: str = DEFAULT_POLICY
    shards: int = DEFAULT_SHARDS

    @classmethod
    def from_spec(cls, spec: LabSpec) -> RedisOptions:
        options = spec.engine_options
        try:
            maxmemory = parse_memory(options.get("maxmemory", DEFAULT_MAXMEMORY))
        except ValueError:
            raise SandboxError(f"{spec.root}/lab.toml: engine_options.maxmemory: not a size like 32mb") from None
        shards = int(options.get("shards", DEFAULT_SHARDS))
        policy = str(options.get("maxmemory_policy", DEFAULT_POLICY))
        if policy not in MEMORY_POLICIES:
            raise SandboxError(
                f"{spec.root}/lab.toml: engine_options.maxmemory_policy: {policy!r} is not one of "
                + ", ".join(sorted(MEMORY_POLICIES))
            )
        if not 1 <= maxmemory <= 1 << 30:
            raise SandboxError(f"{spec.root}/lab.toml: engine_options.maxmemory: must be between 1 byte and 1gb")
        if not 2 <= shards <= MAX_SHARDS:
            raise SandboxError(f"{spec.root}/lab.toml: engine_options.shards: must be between 2 and {MAX_SHARDS}")
        return cls(maxmemory=maxmemory, policy=policy, shards=shards)


@dataclass
class RedisNode:
    index: int
    port: int
    bus_port: int | None
    process: subprocess.Popen
    path: Path
    slots: tuple[int, int] | None = None

    @property
    def socket_path(self) -> Path:
        """The grader's way in: the server's network namespace is the box's, not ours."""
        return self.path / "redis.sock"


@dataclass
class RedisDeployment:
    """One standalone server or one cluster: processes, passwords, secret command names.

    Built by ``start_deployment``; ``stop`` kills every process and removes the directory.
    """

    topology: str
    sandbox: SandboxDir
    nodes: list[RedisNode]
    admin_password: str
    learner_password: str
    secret_names: dict[str, str]
    options: RedisOptions
    _admin: dict[int, RespConnection] = field(default_factory=dict)
    _keys_cache: dict[tuple[bytes, ...], list[bytes]] = field(default_factory=dict)

    @property
    def is_cluster(self) -> bool:
        return self.topology == "cluster"

    def admin(self, node: int = 0) -> RespConnection:
        """The grader's connection to one node (cached)."""
        if node not in self._admin:
            target = self.nodes[node]
            self._admin[node] = RespConnection(target.port, self.admin_password, unix_path=target.socket_path)
        return self._admin[node]

    def connect_learner(self, node: int = 0) -> RespConnection:
        target = self.nodes[node]
        return RespConnection(target.port, self.learner_password, username="learner", unix_path=target.socket_path)

    def config(self, *args: Any, node: int = 0) -> Any:
        """CONFIG under its secret name: only the grader knows it."""
        return self.admin(node).call(self.secret_names["CONFIG"], *args)

    def node_for_slot(self, slot: int) -> int:
        if not self.is_cluster:
            return 0
        for node in self.nodes:
            if node.slots and node.slots[0] <= slot <= node.slots[1]:
                return node.index
        raise SandboxError(f"no shard owns hash slot {slot}")

    def node_for_key(self, key: bytes | str) -> int:
        return self.node_for_slot(key_slot(key.encode() if isinstance(key, str) else key))

    def keys_of(self, argv: Sequence[bytes]) -> list[bytes]:
        """The key arguments of a command, as the server itself sees them (COMMAND GETKEYS)."""
        cached = self._keys_cache.get(tuple(argv))
        if cached is not None:
            return cached
        admin = self.admin(0)
        deadline = time.monotonic() + ADMIN_TIMEOUT
        admin.send("COMMAND", "GETKEYS", *argv, deadline=deadline)
        reply = admin.read(deadline)
        keys = reply if isinstance(reply, list) else []  # an error reply: no keys (or a bad command)
        self._keys_cache[tuple(argv)] = keys
        return keys

    def keys_of_many(self, commands: Sequence[Sequence[bytes]]) -> list[list[bytes]]:
        """``keys_of`` for many commands in one round trip (seeds can have thousands of lines)."""
        admin = self.admin(0)
        deadline = time.monotonic() + ADMIN_TIMEOUT
        admin.send_many([("COMMAND", "GETKEYS", *argv) for argv in commands], deadline)
        replies = [admin.read(deadline) for _ in commands]
        return [reply if isinstance(reply, list) else [] for reply in replies]

    def pids(self) -> list[int]:
        return [node.process.pid for node in self.nodes]

    def stop(self) -> None:
        """SIGKILL every server (data is disposable: no need to wait for a clean shutdown,
        and a busy Lua script would ignore SIGTERM anyway), then remove the directory."""
        for connection in self._admin.values():
            connection.close()
        self._admin.clear()
        for node in self.nodes:
            if node.process.poll() is None:
                node.process.kill()
            try:
                node.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Our processes are reaped: forget their pids so remove_sandbox_dir never signals
        # a process that has since reused one of them.
        self.sandbox.pids.clear()
        remove_sandbox_dir(self.sandbox)


@functools.lru_cache(maxsize=1)
def redis_version() -> tuple[int, ...] | None:
    """The installed redis-server's version, or None when it is missing (asked once per process)."""
    if not os.path.exists(REDIS_SERVER):
        return None
    try:
        out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for part in out.split():
        if part.startswith("v="):
            return tuple(int(x) for x in part[2:].split(".") if x.isdigit())
    return None


def _write_config(deployment: RedisDeployment, path: Path, port: int, bus_port: int | None) -> Path:
    options = deployment.options
    lines = [
        f"bind {HOST}",
        f"port {port}",
        f'unixsocket "{path / "redis.sock"}"',
        "unixsocketperm 700",
        "protected-mode yes",
        "daemonize no",
        f'dir "{path}"',
        f'logfile "{path / "redis.log"}"',
        'save ""',
        "appendonly no",
        f"requirepass {deployment.admin_password}",
        f"user learner >{deployment.learner_password} {LEARNER_ACL}",
        f"maxmemory {options.maxmemory}",
        f"maxmemory-policy {options.policy}",
        # SETRANGE/SETBIT/APPEND check sizes against this: cap it so one command cannot
        # allocate far beyond maxmemory (Redis admits a write that *starts* under it).
        f"proto-max-bulk-len {max(options.maxmemory, 1 << 20)}",
        "maxclients 64",
        "lua-time-limit 500",
        "enable-protected-configs no",
        "enable-debug-command no",
        "enable-module-command no",
        "latency-tracking no",
    ]
    lines += [f'rename-command {name} ""' for name in REMOVED_COMMANDS]
    lines += [f"rename-command {name} {secret}" for name, secret in deployment.secret_names.items()]
    if bus_port:
        lines += [
            "cluster-enabled yes",
            f'cluster-config-file "{path / "nodes.conf"}"',
            f"cluster-port {bus_port}",
            f"cluster-node-timeout {FORMING_NODE_TIMEOUT_MS}",
            # Without replicas a shard that stalls would take the whole cluster down.
            "cluster-require-full-coverage no",
        ]
    conf = path / "redis.conf"
    conf.write_text("\n".join(lines) + "\n")
    conf.chmod(0o600)
    return conf


def _limit_process(pid: int, options: RedisOptions) -> None:
    """Address space, file size and core dumps: Lua's own heap is not bound by maxmemory."""
    address_space = (256 << 20) + 4 * options.maxmemory
    limits = {
        resource.RLIMIT_AS: address_space,
        resource.RLIMIT_FSIZE: 64 << 20,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        try:
            resource.prlimit(pid, which, (value, value))
        except (ProcessLookupError, PermissionError, ValueError):
            pass  # the process already died (reported by the caller), or limits are unsupported


def start_deployment(topology: str, options: RedisOptions) -> RedisDeployment:
    """Start the servers of one topology, ready for commands; cleans up if anything fails."""
    cluster = topology == "cluster"
    sandbox = make_sandbox_dir("redis-cluster" if cluster else "redis")
    # The top directory keeps root's owner record; the sandbox user may only traverse it.
    os.chmod(sandbox.path, 0o711)
    deployment = RedisDeployment(
        topology=topology,
        sandbox=sandbox,
        nodes=[],
        admin_password=secrets.token_urlsafe(24),
        learner_password=secrets.token_urlsafe(24),
        secret_names={name: f"{name.lower()}-{secrets.token_hex(12)}" for name in SECRET_COMMANDS},
        options=options,
    )
    try:
        ensure_sandbox_user()
        count = options.shards if cluster else 1
        for index in range(count):
            node_dir = sandbox.path / f"node{index}"
            node_dir.mkdir(mode=0o700)
            port = free_port()
            bus_port = free_port() if cluster else None
            conf = _write_config(deployment, node_dir, port, bus_port)
            chown_to_sandbox_user(node_dir)
            process = spawn_process(
                [REDIS_SERVER, str(conf)],
                box=sandbox.box,
                env={"HOME": str(node_dir)},
                cwd=node_dir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            sandbox.add_process(process.pid, port)
            _limit_process(process.pid, options)
            deployment.nodes.append(RedisNode(index, port, bus_port, process, node_dir))
        for node in deployment.nodes:
            _wait_ready(deployment, node)
        if cluster:
            form_cluster(deployment)
        return deployment
    except BaseException:
        deployment.stop()
        raise


def _wait_ready(deployment: RedisDeployment, node: RedisNode) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if node.process.poll() is not None:
            log = node.path / "redis.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise SandboxError(f"redis-server exited with code {node.process.returncode}: {' | '.join(tail)}")
        try:
            deployment.admin(node.index).call("PING")
            return
        except (SandboxError, ConnectionLost, ReplyTimeout, RedisReplyError) as exc:
            deployment._admin.pop(node.index, None)
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"redis-server on port {node.port} is not ready after {START_TIMEOUT:g}s: {exc}"
                ) from None
            time.sleep(0.005)


def form_cluster(deployment: RedisDeployment) -> None:
    """Assign contiguous slot ranges, join every pair of nodes, wait for cluster_state:ok."""
    count = len(deployment.nodes)
    for node in deployment.nodes:
        low = node.index * TOTAL_SLOTS // count
        high = (node.index + 1) * TOTAL_SLOTS // count - 1
        deployment.admin(node.index).call("CLUSTER", "ADDSLOTSRANGE", low, high)
        node.slots = (low, high)
    # A full mesh of MEETs: each pair learns the other's slots directly instead of
    # waiting for gossip to relay them, which is what makes formation fast.
    for node in deployment.nodes:
        for other in deployment.nodes[node.index + 1 :]:
            deployment.admin(node.index).call("CLUSTER", "MEET", HOST, other.port, other.bus_port)
    deadline = time.monotonic() + FORM_TIMEOUT
    pending = list(deployment.nodes)
    while pending:
        node = pending[0]
        info = deployment.admin(node.index).call("CLUSTER", "INFO")
        if b"cluster_state:ok" in info:
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise SandboxError(f"the Redis cluster did not reach cluster_state:ok within {FORM_TIMEOUT:g}s")
        time.sleep(0.005)
    for node in deployment.nodes:
        deployment.config("SET", "cluster-node-timeout", RUNNING_NODE_TIMEOUT_MS, node=node.index)


def apply_options(deployment: RedisDeployment, options: RedisOptions) -> None:
    """Give a warm cluster (built with defaults) the lab's memory settings."""
    for node in deployment.nodes:
        deployment.config("SET", "maxmemory", options.maxmemory, node=node.index)
        deployment.config("SET", "maxmemory-policy", options.policy, node=node.index)
        deployment.config("SET", "proto-max-bulk-len", max(options.maxmemory, 1 << 20), node=node.index)
        _limit_process(node.process.pid, options)
    deployment.options = options


class WarmClusters:
    """Spare clusters, formed and never used, so an attempt does not wait out Redis' 2 s
    writable delay. Each is handed to exactly one attempt and then destroyed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: dict[int, list[RedisDeployment]] = {}
        self._building: dict[int, int] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def target(self) -> int:
        return max(0, int(os.environ.get("INDEXED_REDIS_WARM_CLUSTERS", "1")))

    def take(self, shards: int) -> RedisDeployment | None:
        with self._lock:
            while self._ready.get(shards):
                deployment = self._ready[shards].pop(0)
                if all(node.process.poll() is None for node in deployment.nodes):
                    return deployment
                threading.Thread(target=deployment.stop, daemon=True).start()
        return None

    def refill(self, shards: int) -> None:
        """Start building spares in the background up to the target count."""
        with self._lock:
            if self._closed:
                return
            missing = self.target - len(self._ready.get(shards, [])) - self._building.get(shards, 0)
            for _ in range(missing):
                self._building[shards] = self._building.get(shards, 0) + 1
                thread = threading.Thread(target=self._build, args=(shards,), daemon=True, name="warm-redis-cluster")
                self._threads.append(thread)
                thread.start()

    def wait_ready(self, shards: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._ready.get(shards):
                    return True
            time.sleep(0.02)
        return False

    def _build(self, shards: int) -> None:
        deployment = None
        try:
            deployment = start_deployment("cluster", RedisOptions(shards=shards))
        except Exception:  # a spare that fails to start only costs the next attempt a cold start
            deployment = None
        finally:
            with self._lock:
                self._building[shards] -= 1
                if deployment is not None and not self._closed:
                    self._ready.setdefault(shards, []).append(deployment)
                    deployment = None
        if deployment is not None:  # closed while building
            deployment.stop()

    def shutdown(self) -> None:
        """Stop every spare and wait for builders; called at exit and by test teardown."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=FORM_TIMEOUT + START_TIMEOUT)
        with self._lock:
            spares = [d for group in self._ready.values() for d in group]
            self._ready.clear()
        for deployment in spares:
            deployment.stop()
        with self._lock:
            self._closed = False


WARM_CLUSTERS = WarmClusters()
atexit.register(WARM_CLUSTERS.shutdown)


@contextmanager
def deploy(topology: str, options: RedisOptions) -> Iterator[RedisDeployment]:
    """Servers for one run, torn down on every exit path."""
    deployment = None
    if topology == "cluster" and WARM_CLUSTERS.target:
        deployment = WARM_CLUSTERS.take(options.shards)
        if deployment is not None:
            try:
                apply_options(deployment, options)
            except BaseException:
                deployment.stop()
                raise
        WARM_CLUSTERS.refill(options.shards)
    if deployment is None:
        deployment = start_deployment(topology, options)
    try:
        yield deployment
    finally:
        deployment.stop()


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
        return {"line": self.line, "command": _shorten(self.text), "reply": format_reply(self.reply)}


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
            f"line {s.line} (`{_shorten(s.text, 50)}`): {explain_error(s.error or '').rstrip('.')}"
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
                    raise SandboxError(f"{source}: line {command.line} (`{_shorten(command.text)}`): {reply.text}")


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
                    f"The Redis server stopped while running line {command.line} (`{_shorten(command.text)}`). "
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
        return reply if len(reply.text) <= 500 else RedisReplyError(_shorten(reply.text, 500))
    if reply is None or isinstance(reply, int):
        return reply
    clipped = clip(reply, depth=3, items=21, chars=200)
    if clipped == reply and len(format_reply(clipped, limit=2000)) < 2000:
        return reply  # small: keep it as Redis sent it
    return format_reply(clipped)


def _timeout_message(command: RedisCommand, time_limit: float, before: bool = False) -> str:
    state = "was about to start" if before else "was still running"
    return (
        f"Your commands ran past this lab's limit of {time_limit:g} s: line {command.line} "
        f"(`{_shorten(command.text)}`) {state}. Look for an endless loop in a script, or a blocking "
        "command (BLPOP, BRPOP, XREAD BLOCK, WAIT) with no timeout or nothing to wait for."
    )


# --------------------------------------------------------------------------- attempts


@dataclass
class RedisRun:
    """One deployment seeded with one dataset, after one answer ran on it."""

    dataset: str  # "seed" or "hidden"
    who: str  # "learner" or "solution"
    deployment: RedisDeployment
    transcript: Transcript

    @property
    def grader(self) -> CommandRouter:
        return CommandRouter(self.deployment, learner=False)

    def call(self, *argv: Any, timeout: float = ADMIN_TIMEOUT) -> Any:
        return self.grader.call(*argv, timeout=timeout)

    def scan(self, pattern: str = "*") -> list[bytes]:
        """Every key matching ``pattern`` on every shard, sorted."""
        found: set[bytes] = set()
        for node in self.deployment.nodes:
            connection = self.deployment.admin(node.index)
            cursor = b"0"
            while True:
                cursor, keys = connection.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
                found.update(keys)
                if cursor == b"0":
                    break
        return sorted(found)

    def keys_by_node(self, pattern: str = "*") -> dict[int, list[bytes]]:
        result = {}
        for node in self.deployment.nodes:
            connection = self.deployment.admin(node.index)
            keys: list[bytes] = []
            cursor = b"0"
            while True:
                cursor, batch = connection.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
                keys.extend(batch)
                if cursor == b"0":
                    break
            result[node.index] = sorted(set(keys))
        return result


@dataclass
class RedisAttempt(Attempt):
    commands: list[RedisCommand] = field(default_factory=list)
    options: RedisOptions = field(default_factory=RedisOptions)
    stack: ExitStack | None = None
    runs: dict[tuple[str, str], RedisRun] = field(default_factory=dict)

    @property
    def primary(self) -> RedisRun:
        """The learner's answer on the lab's own data: what most checks look at."""
        return self.run_on("seed")

    @property
    def transcript(self) -> Transcript:
        return self.primary.transcript

    def has_dataset(self, dataset: str) -> bool:
        return dataset == "seed" or (dataset == "hidden" and self.spec.hidden_seed is not None)

    def run_on(self, dataset: str = "seed", who: str = "learner") -> RedisRun:
        """The learner's (or the reference solution's) commands replayed on fresh servers
        seeded with ``dataset``; started on first use, torn down with the attempt."""
        key = (dataset, who)
        if key in self.runs:
            return self.runs[key]
        if not self.has_dataset(dataset):
            raise ValueError(f"{self.spec.root}: this lab has no hidden.redis, so no '{dataset}' dataset")
        assert self.stack is not None, "runs are only available inside open_attempt"
        if who == "learner":
            commands = self.commands
        else:
            try:
                commands = parse_commands(self.spec.solution_path.read_text(encoding="utf-8"))
            except CommandSyntaxError as exc:
                raise SandboxError(f"{self.spec.solution_path}: {exc}") from None
        deployment = self.stack.enter_context(deploy(self.spec.topology, self.options))
        seed_name = "seed.redis" if dataset == "seed" else "hidden.redis"
        seed = self.spec.seed if dataset == "seed" else self.spec.hidden_seed
        run_seed(deployment, seed or "", f"{self.spec.root / seed_name}")
        transcript = run_commands(deployment, commands, self.deadline, self.spec.time_limit)
        run = RedisRun(dataset, who, deployment, transcript)
        self.runs[key] = run
        return run


class RedisEngine:
    name = "redis"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        version = redis_version()
        if version is None:
            return {"redis": f"redis-server is not installed (looked for {REDIS_SERVER}; set REDIS_SERVER)"}
        if version < (7, 0):
            found = ".".join(map(str, version))
            return {"redis": f"redis-server 7.0 or newer is needed for ACLs and CLUSTER ADDSLOTSRANGE (found {found})"}
        missing = {}
        for capability in spec.requires:
            if capability not in CAPABILITIES:
                missing[capability] = (
                    f"this installation's Redis does not provide '{capability}' (no modules installed)"
                )
        return missing

    @contextmanager
    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[RedisAttempt]:
        commands = parse_answer(answer, spec.topology)
        options = RedisOptions.from_spec(spec)
        with ExitStack() as stack:
            attempt = RedisAttempt(
                spec=spec, answer=answer, deadline=deadline, commands=commands, options=options, stack=stack
            )
            attempt.run_on("seed")
            yield attempt


ENGINE = RedisEngine()


# --------------------------------------------------------------------------- bench


def bench_redis_cluster_ready(rounds: int = 5, shards: int = DEFAULT_SHARDS) -> dict[str, float]:
    """Median seconds until a cluster takes the learner's first command: cold (start the
    processes, form the cluster) and warm (take a spare from WARM_CLUSTERS and apply the lab's
    options), plus a standalone server for comparison. Used by labs.bench."""

    def ready_check(deployment: RedisDeployment) -> None:
        router = CommandRouter(deployment, learner=True)
        try:
            router.call("SET", "bench:{x}", "1")
        finally:
            router.close()

    options = RedisOptions(shards=shards)
    cold, warm, standalone = [], [], []
    previous = os.environ.get("INDEXED_REDIS_WARM_CLUSTERS")
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            deployment = start_deployment("cluster", options)
            ready_check(deployment)
            cold.append(time.perf_counter() - started)
            deployment.stop()

            started = time.perf_counter()
            deployment = start_deployment("standalone", options)
            ready_check(deployment)
            standalone.append(time.perf_counter() - started)
            deployment.stop()
        os.environ["INDEXED_REDIS_WARM_CLUSTERS"] = "1"
        for _ in range(rounds):
            WARM_CLUSTERS.refill(shards)
            if not WARM_CLUSTERS.wait_ready(shards):
                raise SandboxError("no warm cluster became ready within 30 s")
            started = time.perf_counter()
            with deploy("cluster", options) as deployment:
                ready_check(deployment)
                warm.append(time.perf_counter() - started)
    finally:
        WARM_CLUSTERS.shutdown()
        if previous is None:
            os.environ.pop("INDEXED_REDIS_WARM_CLUSTERS", None)
        else:
            os.environ["INDEXED_REDIS_WARM_CLUSTERS"] = previous
    return {
        "cluster_warm_spare_s": round(statistics.median(warm), 4),
        "cluster_cold_s": round(statistics.median(cold), 4),
        "standalone_s": round(statistics.median(standalone), 4),
    }
