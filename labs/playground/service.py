"""The playground as a service: a Manager behind a Unix socket, spoken to in JSON lines.

Why a socket and not a Celery task per query: a query must answer in well under a second,
and a learner's scratch database lives on a server that one long-lived process owns (the
pooled PostgreSQL with a database per learner, the learner's redis-server). A Celery
round trip would add the broker twice per query and needs a result backend this site does
not run; and any of several prefork children could take the task, none of which holds the
session's connection. One process, one socket in the site's private ``var/`` directory
(0600), threads per request: a query costs the query plus well under a millisecond.

The site never starts a sandbox: the Celery worker starts this process (``start_service``
under a lock, so one per host), and the process runs as the worker's user (root, which the
sandbox core needs to box servers and drop to the box accounts).
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import json
import logging
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from labs.playground.common import Dataset, PlaygroundError, RateLimited
from labs.playground.manager import Manager

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 4 << 20  # a lab seed plus a query
CLIENT_TIMEOUT = 30.0  # a first request builds the template database: allow for it


class ServiceUnavailable(PlaygroundError):
    """Nobody answers on the playground socket."""


def handle(manager: Manager, request: dict[str, Any]) -> Any:
    op = request.get("op")
    if op == "ping":
        return {"pid": os.getpid()}
    if op == "live":
        return manager.live()
    if op == "reap":
        return manager.reap(wait=True)
    if op == "drop":
        return manager.drop(str(request.get("session", "")))
    if op == "sandboxes":
        return manager.sandbox_paths()
    session = str(request.get("session", ""))
    dataset = Dataset.from_dict(request.get("dataset") or {})
    if request.get("owner") and request.get("limit") and op in ("run", "reset", "schema"):
        manager.admit(str(request["owner"]), int(request["limit"]))
    ttl = request.get("ttl")
    ttl = float(ttl) if ttl else None
    if op == "open":
        return manager.open(session, dataset, ttl)
    if op == "run":
        return manager.run(session, dataset, str(request.get("text", "")), bool(request.get("explain")), ttl)
    if op == "schema":
        return manager.schema(session, dataset, ttl)
    if op == "reset":
        return manager.reset(session, dataset, ttl)
    raise PlaygroundError(f"unknown playground operation {op!r}")


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for raw in iter(lambda: self.rfile.readline(MAX_REQUEST_BYTES + 1), b""):
            try:
                request = json.loads(raw)
                reply = {"ok": True, "result": handle(self.server.manager, request)}  # type: ignore[attr-defined]
            except RateLimited as exc:
                reply = {"ok": False, "error": str(exc), "rate_limited": [exc.count, exc.limit, exc.retry_after]}
            except PlaygroundError as exc:
                reply = {"ok": False, "error": str(exc)}
            except Exception as exc:  # a bug of ours: say so, keep serving the others
                log.exception("playground request failed")
                reply = {"ok": False, "error": f"the playground failed: {type(exc).__name__}: {exc}"}
            self.wfile.write(json.dumps(reply, default=str).encode() + b"\n")
            self.wfile.flush()


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # a class of learners may click Run in the same instant


def serve(socket_path: Path, manager: Manager | None = None, parent: int | None = None) -> None:
    """Serve until SIGTERM or until ``parent`` (the worker that started us) is gone."""
    from labs.sandbox import base

    manager = manager or Manager()
    base.reap_orphans()  # sandboxes of an earlier service that died
    with contextlib.suppress(FileNotFoundError):
        socket_path.unlink()
    old = os.umask(0o177)
    try:
        server = _Server(str(socket_path), _Handler)
    finally:
        os.umask(old)
    # The production profile's web workers run as their own account (serve.sh): its group may
    # open the socket; nobody else may.
    group = os.environ.get("INDEXED_PLAYGROUND_SOCKET_GROUP")
    if group:
        os.chown(socket_path, -1, grp.getgrnam(group).gr_gid)
        os.chmod(socket_path, 0o660)
    server.manager = manager  # type: ignore[attr-defined]
    manager.start_reaper()
    stop = threading.Event()

    def watch_parent() -> None:
        while not stop.wait(1.0):
            if parent and not base.pid_alive(parent):
                server.shutdown()
                return

    import signal

    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    threading.Thread(target=watch_parent, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        stop.set()
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()
        manager.close()


class Client:
    """One request per connection: cheap on a Unix socket, and safe across threads."""

    def __init__(self, socket_path: str | Path, timeout: float = CLIENT_TIMEOUT):
        self.socket_path = str(socket_path)
        self.timeout = timeout

    def call(self, op: str, **fields: Any) -> Any:
        payload = json.dumps({"op": op, **fields}).encode() + b"\n"
        for attempt in range(3):
            try:
                data = self._exchange(payload)
                break
            except BlockingIOError as exc:  # the listen queue is full for a moment: retry
                if attempt == 2:
                    raise PlaygroundError("the playground service is too busy right now") from exc
                time.sleep(0.05 * (attempt + 1))
            except (FileNotFoundError, ConnectionRefusedError) as exc:
                raise ServiceUnavailable("the playground service is not running") from exc
            except OSError as exc:
                raise PlaygroundError(f"the playground service did not answer: {exc}") from exc
        if not data:
            raise PlaygroundError("the playground service closed the connection")
        reply = json.loads(data)
        if reply.get("rate_limited"):
            raise RateLimited(*reply["rate_limited"])
        if not reply.get("ok"):
            raise PlaygroundError(reply.get("error", "the playground failed"))
        return reply["result"]

    def _exchange(self, payload: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(self.timeout)
            conn.connect(self.socket_path)
            conn.sendall(payload)
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        return data

    def alive(self) -> bool:
        try:
            self.call("ping")
        except PlaygroundError:
            return False
        return True


def start_service(socket_path: Path, wait: float = 10.0, parent: int | None = None) -> subprocess.Popen | None:
    """Start ``python -m labs.playground serve`` for this host unless one answers already.

    A lock file next to the socket makes this safe to call from every worker that starts:
    the first one wins, the others see a live service. The service stops when ``parent``
    (default: this process) is gone; on start it reaps the sandboxes of a service that died.
    Returns the process we started."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(str(socket_path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if Client(socket_path, timeout=2.0).alive():
            return None
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "labs.playground",
                "serve",
                "--socket",
                str(socket_path),
                "--parent",
                str(parent or os.getpid()),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if Client(socket_path, timeout=1.0).alive():
                return process
            if process.poll() is not None:
                raise PlaygroundError(f"the playground service exited with code {process.returncode}")
            time.sleep(0.05)
        raise PlaygroundError("the playground service did not start in time")
    finally:
        os.close(lock)
