"""A RESP2 client of our own (``RespConnection``): exact error text with its code, error replies
kept as values inside EXEC replies, per-call deadlines, pipelining with per-line attribution; and
replies formatted the way redis-cli shows them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labs.engines.redis.commands import shorten
from labs.sandbox.base import SandboxError

HOST = "127.0.0.1"

MAX_REPLY_DEPTH = 32  # array nesting kept from a reply (a Lua script's table can nest far deeper)

START_TIMEOUT = 5.0  # seconds for one redis-server to accept connections

ADMIN_TIMEOUT = 10.0  # seconds for one grader command

# --------------------------------------------------------------------------- RESP2 client


class RedisReplyError(Exception):
    """An error reply. Raised by ``call``; kept as a value inside arrays (EXEC) and transcripts."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text
        self.code = text.split(" ", 1)[0]


class DroppedElements(str):
    """Stands last in an array reply for the elements the reader read and did not keep, so a
    shortened display can still say how long the reply really was."""

    def __new__(cls, count: int) -> DroppedElements:
        marker = super().__new__(cls, f"(… {count} more elements)")
        marker.count = count
        return marker


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
                    value.append(DroppedElements(frame[2]))
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


def reply_length(reply: list) -> int:
    """How many elements Redis sent in an array reply, counting those the reader dropped."""
    if reply and isinstance(reply[-1], DroppedElements):
        return len(reply) - 1 + reply[-1].count
    return len(reply)


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
        shown = ", ".join(format_reply(item, limit) for item in reply[:20])
        hidden = reply_length(reply) - 20
        text = "[" + shown + (f", … {hidden} more" if hidden > 0 else "") + "]"
    else:
        text = str(reply)
    return shorten(text, limit)
