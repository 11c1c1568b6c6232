"""Running Postgres servers: the ``PgInstance`` handle and ``spawn_postgres``, the one code path that
starts a ``postgres`` process (query-lab instances here, operational topologies in
``labs.engines.postgres.cluster``): in the sandbox's box, as the sandbox account, with an
environment of its own and a private socket directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from labs.engines.postgres.settings import (
    ADMIN_USER,
    GRADER_SEARCH_PATH,
    PG_BIN,
    PLATFORM_STATEMENT_TIMEOUT_MS,
    READY_TIMEOUT,
)
from labs.sandbox import base
from labs.sandbox.base import SandboxDir, SandboxError

# --------------------------------------------------------------------------- instances

# Every instance this process started and has not stopped: strong references, so a handle a
# caller forgot still gets stopped at exit.
LIVE_INSTANCES: set[PgInstance] = set()


@dataclass(eq=False)
class PgInstance:
    """One running postgres server. ``stop()`` (or leaving the ``with`` block) tears it down."""

    data_dir: Path
    socket_dir: Path
    port: int
    process: subprocess.Popen
    password: str
    config: dict[str, str]
    log_path: Path
    sandbox: SandboxDir | None = None
    owns_sandbox: bool = False
    uses: int = 0
    lab_databases: OrderedDict[str, str] = field(default_factory=OrderedDict)  # cache key -> database
    readonly_databases: set[str] = field(default_factory=set)  # lab databases read in place
    _admin: psycopg.Connection | None = None
    _admin_lock: threading.Lock = field(default_factory=threading.Lock)
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def admin_user(self) -> str:
        return ADMIN_USER

    def conninfo(self, dbname: str = "postgres", user: str = ADMIN_USER, **options: Any) -> str:
        """A libpq connection string over the private unix socket (trusted, fastest)."""
        parts = {"host": str(self.socket_dir), "port": self.port, "dbname": dbname, "user": user, **options}
        return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items()})

    @property
    def admin_conninfo(self) -> str:
        return self.conninfo()

    def tcp_conninfo(self, dbname: str = "postgres", user: str = ADMIN_USER) -> str:
        """Over TCP on 127.0.0.1 with the admin password: for replicas and postgres_fdw."""
        return psycopg.conninfo.make_conninfo(
            host="127.0.0.1", port=str(self.port), dbname=dbname, user=user, password=self.password
        )

    def connect(
        self, dbname: str = "postgres", user: str = ADMIN_USER, *, autocommit: bool = True, **kw: Any
    ) -> psycopg.Connection:
        """A new connection (the caller closes it). Keyword arguments go to psycopg.connect."""
        try:
            return psycopg.connect(self.conninfo(dbname, user), autocommit=autocommit, connect_timeout=5, **kw)
        except psycopg.OperationalError as exc:
            if not self.alive():
                raise SandboxError(f"postgres on port {self.port} died: {self.log_tail()}") from exc
            raise

    @property
    def admin(self) -> psycopg.Connection:
        """The instance's long-lived admin connection to ``postgres`` (autocommit)."""
        if self._admin is None or self._admin.closed:
            # pg_catalog first and pg_temp last: no learner-made function, operator or
            # relation can shadow a name our admin statements use
            self._admin = self.connect(
                options=f"{GRADER_SEARCH_PATH} -c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}"
            )
        return self._admin

    def execute(self, query: str, params: Any = None) -> list[tuple]:
        """Run one admin statement on the ``postgres`` database; return its rows, if any."""
        with self._admin_lock:
            cur = self.admin.execute(query, params)
            return cur.fetchall() if cur.description else []

    def alive(self) -> bool:
        return not self.killed and self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def backend_pids(self) -> list[int]:
        """Every child process of the postmaster (backends and auxiliary processes)."""
        return _children_of(self.pid)

    def pss_kb(self) -> int:
        """Proportional memory of the postmaster and all its children, from smaps_rollup."""
        total = 0
        for pid in [self.pid, *self.backend_pids()]:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        return total

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        _wait_ready(self, timeout)

    def kill(self) -> None:
        """SIGKILL the postmaster and every child at once: for a hung or runaway server."""
        self.killed = True
        for pid in [*self.backend_pids(), self.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def stop(self, remove: bool | None = None) -> None:
        """Fast shutdown (SIGKILL after 3 s), then remove its files when it owns its sandbox."""
        if self._admin is not None:
            with contextlib.suppress(Exception):
                self._admin.close()
        if self.process.poll() is None:
            children = self.backend_pids()
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGINT)  # fast shutdown: abort sessions, exit
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                for pid in [*children, self.pid]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        LIVE_INSTANCES.discard(self)
        if self.sandbox is not None:
            with contextlib.suppress(ValueError):
                self.sandbox.pids.remove(self.pid)
            if self.owns_sandbox if remove is None else remove:
                base.remove_sandbox_dir(self.sandbox)  # unmounts and un-boxes it too
            elif self.sandbox.path.exists():
                self.sandbox.record()
        elif remove:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def __enter__(self) -> PgInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: ppid is the 2nd field after ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


def spawn_postgres(
    data_dir: Path, home: Path, log_path: Path, settings: dict[str, str], port: int, sandbox: SandboxDir | None
) -> subprocess.Popen:
    """Start ``postgres -D data_dir`` with every setting as ``-c key=value``, its output appended
    to ``log_path``; do not wait. The one place a postgres server process is started, for query-lab
    instances and the operational topologies alike. ``settings`` must already name the port and
    socket directory; ``port`` is recorded with the process in the sandbox's owner file."""
    argv = [str(PG_BIN / "postgres"), "-D", str(data_dir)]
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    with open(log_path, "ab") as log_file:
        # In the sandbox's box (own netns and cgroups), as the sandbox account, with an
        # environment of its own only: nothing of the worker's environment reaches the server.
        process = base.spawn_process(
            argv,
            box=sandbox.box if sandbox is not None else None,
            env={"HOME": str(home), "PGDATA": str(data_dir)},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    if sandbox is not None:
        sandbox.add_process(process.pid, port)
    return process


def spawn_instance(
    data_dir: Path, home: Path, config: dict[str, str], password: str, sandbox: SandboxDir | None
) -> PgInstance:
    """Start postgres on ``data_dir`` with its socket and log in ``home``; do not wait."""
    socket_dir = home / "sock"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    base.chown_to_sandbox_user(socket_dir)
    log_path = home / "postgres.log"
    port = base.free_port()
    settings = {
        **config,
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(socket_dir),
        "unix_socket_permissions": "0700",
    }
    process = spawn_postgres(data_dir, home, log_path, settings, port, sandbox)
    instance = PgInstance(data_dir, socket_dir, port, process, password, dict(config), log_path, sandbox)
    LIVE_INSTANCES.add(instance)
    return instance


def launch_instance(
    data_dir: Path, home: Path, config: dict[str, str], password: str, sandbox: SandboxDir | None = None
) -> PgInstance:
    """Start postgres and wait until it is ready, retrying on a port someone else took."""
    last_error = ""
    for _ in range(3):
        instance = spawn_instance(data_dir, home, config, password, sandbox)
        try:
            _wait_ready(instance, READY_TIMEOUT)
            return instance
        except SandboxError as exc:
            last_error = str(exc)
            instance.stop(remove=False)
            if "could not bind" not in last_error and "Address already in use" not in last_error:
                break
    raise SandboxError(f"postgres did not start: {last_error}")


def _wait_ready(instance: PgInstance, timeout: float) -> None:
    """Poll postmaster.pid until its status line says "ready" (cheaper than connecting)."""
    pidfile = instance.data_dir / "postmaster.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise SandboxError(f"postgres exited with code {instance.process.returncode}: {instance.log_tail()}")
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            lines = []
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return
        time.sleep(0.003)
    raise SandboxError(f"postgres on port {instance.port} was not ready within {timeout:.0f}s: {instance.log_tail()}")
