"""One server process of a sandbox: the core every engine starts its servers with.

``ServerProcess`` is what the PostgreSQL, Redis, MariaDB, etcd, Patroni, PgBouncer and
HAProxy pieces have in common: a program started inside its sandbox's box (own network
namespace and cgroup, its own OS account, an environment of its own only), its output in a
log file in its home directory, a readiness probe polled until a deadline, and a teardown
that runs on every path (``stop()``, ``kill()``, the context manager, and, for a worker
that died, the reaper, which kills whatever is left in the box's cgroup).

Why not mirakuru (the executor behind pytest-postgresql): it starts the command with the
worker's environment merged in, and its readiness checks dial TCP from the worker's own
network; a boxed server has neither. Probes here run inside the box instead
(``probe_tcp`` enters its network namespace for the connect, ``probe_unix`` needs none).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from labs.sandbox import base
from labs.sandbox.base import SandboxDir, SandboxError

Probe = Callable[["ServerProcess"], bool]


@dataclass
class ServerProcess:
    """A server started in ``sandbox``'s box. Build it, then ``start()``; ``stop()`` ends it."""

    name: str
    sandbox: SandboxDir
    argv: list[str]
    home: Path  # the server's own directory (owned by the box's account); its log lives here
    ready: Probe
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.home / f"{self.name}.log"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise SandboxError(f"{self.name} was never started")
        return self.process.pid

    def spawn(self) -> ServerProcess:
        """Start without waiting (several servers can boot at once; ``wait_ready`` after)."""
        with open(self.log_path, "ab") as log:
            self.process = base.spawn_process(
                self.argv,
                box=self.sandbox.box,
                env={"HOME": str(self.home), **self.env},
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.sandbox.add_process(self.process.pid, self.port)
        return self

    def wait_ready(self, timeout: float) -> ServerProcess:
        """Poll the probe until it says ready; a server that exits or never gets ready is
        the platform's fault here (SandboxError with the end of its log)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                code = self.process.returncode if self.process is not None else None
                raise SandboxError(f"{self.name} exited with code {code}: {self.log_tail(8)}")
            try:
                if self.ready(self):
                    return self
            except OSError:
                pass
            if time.monotonic() >= deadline:
                raise SandboxError(f"{self.name} was not ready within {timeout:g} s: {self.log_tail(8)}")
            time.sleep(0.01)

    def start(self, timeout: float = 15.0) -> ServerProcess:
        self.spawn()
        try:
            return self.wait_ready(timeout)
        except BaseException:
            self.kill()
            raise

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send_signal(self, signum: int) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)

    def stop(self, grace: float = 5.0, signum: int = signal.SIGTERM) -> None:
        """Ask it to stop (``signum``), SIGKILL after ``grace`` seconds, forget its pid."""
        if self.process is None:
            return
        if self.alive():
            self.send_signal(signum)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()
        self._forget()

    def kill(self) -> None:
        """SIGKILL it and its process group (servers that fork helpers lead their group)."""
        if self.process is None:
            return
        if self.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                import os

                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        self._forget()

    def _forget(self) -> None:
        # The reaper must never signal a pid that a later process may reuse.
        if self.process is not None and self.process.pid in self.sandbox.pids:
            self.process.poll()
            self.sandbox.pids.remove(self.process.pid)
            self.sandbox.record()

    def log_tail(self, lines: int = 15) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def run_tool(
        self, argv: list[str], timeout: float = 30.0, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """Run a client or admin tool (mariadb, pgbench, pgbackrest, etcdctl) inside the same
        box as this server, as its account; killed when it overruns ``timeout``."""
        return run_in_box(self.sandbox, argv, timeout=timeout, input=input, env={"HOME": str(self.home), **(env or {})})

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_in_box(
    sandbox: SandboxDir,
    argv: list[str],
    *,
    timeout: float = 30.0,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """A short-lived program in ``sandbox``'s box; its pid is recorded while it runs."""
    process = base.spawn_process(
        argv,
        box=sandbox.box,
        env=env,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sandbox.add_process(process.pid)
    try:
        out, err = process.communicate(input=input, timeout=timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        if process.pid in sandbox.pids:
            sandbox.pids.remove(process.pid)
            sandbox.record()
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def make_home(sandbox: SandboxDir, name: str) -> Path:
    """A directory for one server inside the sandbox, owned by the box's account (0700)."""
    home = sandbox.path / name
    home.mkdir(mode=0o700)
    base.chown_to_sandbox_user(home)
    return home


# -- readiness probes


def probe_unix(path: Path) -> Probe:
    """Ready once something accepts connections on the Unix socket ``path``."""

    def ready(_: ServerProcess) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            sock.connect(str(path))
        return True

    return ready


def probe_tcp(port: int) -> Probe:
    """Ready once 127.0.0.1:``port`` accepts connections *inside the server's box*."""

    def ready(server: ServerProcess) -> bool:
        box = server.sandbox.box
        with contextlib.ExitStack() as stack:
            if box is not None:
                stack.enter_context(box.network())
            sock = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        sock.close()
        return True

    return ready


def probe_log(text: str) -> Probe:
    """Ready once the server's log contains ``text`` (for servers with no cheaper signal)."""

    def ready(server: ServerProcess) -> bool:
        return text in server.log_path.read_text(errors="replace")

    return ready
