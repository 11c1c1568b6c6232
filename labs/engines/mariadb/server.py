"""MariaDB servers in boxes: a template data directory built once, instances copied from it,
and a warm pool.

* ``template()`` runs ``mariadb-install-db`` once per machine (≈2 s) under
  ``SANDBOX_ROOT/templates``, starts it once to set the admin password and create the
  ``learner`` account, shuts it down cleanly, then seals it (root, 0700) as the Postgres
  template is sealed: a learner's shell must neither read the password nor plant a setting.
* ``start_server()`` copies it into a fresh box and starts ``mariadbd`` through
  ``ServerProcess``: no TCP at all (``skip-networking``), a Unix socket in the server's
  0700 home for the grader, a small buffer pool, ``secure_file_priv`` pointing at an empty
  directory the server cannot write, ``local_infile`` off, and caps (``maximum-*``) on the
  per-session memory settings a learner could otherwise raise.
* ``POOL`` keeps warm servers per worker process; each server keeps the lab databases it
  built (``lab_<hash>_<dataset>``) and attempts clone them.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pymysql

from labs.sandbox import base
from labs.sandbox import box as boxes
from labs.sandbox.base import SandboxDir, SandboxError
from labs.sandbox.process import ServerProcess, make_home, probe_unix

MARIADBD = Path(os.environ.get("INDEXED_MARIADBD", "/usr/sbin/mariadbd"))
INSTALL_DB = Path(os.environ.get("INDEXED_MARIADB_INSTALL_DB", "/usr/bin/mariadb-install-db"))
LEARNER = "learner"
READY_TIMEOUT = 15.0
MAX_USES = 300  # attempts before a server is recycled
MAX_LAB_DATABASES = 16

# Options that shape the files on disk: the template and every server must agree on them.
STORAGE_OPTIONS = [
    "--innodb-log-file-size=4M",
    "--innodb-data-file-path=ibdata1:4M:autoextend",
]
# Sandbox data is disposable: durability off; small caches so a box stays small; the
# per-session memory a learner may SET is capped with maximum-* (a hard server ceiling).
SERVER_OPTIONS = [
    "--skip-networking",
    "--skip-name-resolve",
    "--skip-log-bin",
    "--performance-schema=OFF",
    "--event-scheduler=OFF",
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-buffer-size=1M",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--innodb-buffer-pool-load-at-startup=OFF",
    "--innodb-buffer-pool-dump-at-shutdown=OFF",
    "--innodb-lock-wait-timeout=5",
    "--lock-wait-timeout=10",
    "--key-buffer-size=1M",
    "--aria-pagecache-buffer-size=4M",
    "--query-cache-size=0",
    "--table-open-cache=256",
    "--max-connections=32",
    "--max-user-connections=16",
    "--max-allowed-packet=8M",
    "--tmp-table-size=8M",
    "--max-heap-table-size=8M",
    "--sort-buffer-size=256K",
    "--join-buffer-size=256K",
    "--max-session-mem-used=64M",
    "--maximum-tmp-table-size=16M",
    "--maximum-max-heap-table-size=16M",
    "--maximum-sort-buffer-size=2M",
    "--maximum-join-buffer-size=2M",
    "--maximum-max-session-mem-used=64M",
    "--maximum-max-join-size=18446744073709551615",
    "--local-infile=OFF",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
    "--default-time-zone=+00:00",
    "--log-warnings=1",
]


@cache
def mariadb_version() -> str:
    try:
        out = subprocess.run([str(MARIADBD), "--version"], capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SandboxError(f"cannot run {MARIADBD}: {exc}") from exc
    words = out.stdout.split()
    return words[words.index("Ver") + 1] if "Ver" in words else out.stdout.strip()


def find_missing_binaries() -> str | None:
    for path in (MARIADBD, INSTALL_DB):
        if not os.access(path, os.X_OK):
            return f"{path} is not installed (Debian package mariadb-server)"
    return None


# --------------------------------------------------------------------------- template


@dataclass(frozen=True)
class Template:
    path: Path

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def secrets(self) -> dict[str, str]:
        return json.loads((self.path / "accounts.json").read_text())


def template() -> Template:
    """The sealed template data directory for this mariadbd version (built on first use)."""
    key = hashlib.sha256(json.dumps([mariadb_version(), STORAGE_OPTIONS]).encode()).hexdigest()[:12]
    root = base.SANDBOX_ROOT / "templates"
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(base.SANDBOX_ROOT, 0o711)
    os.chmod(root, 0o711)
    marker = root / base.OWNER_FILE
    if not marker.exists():  # pid 1 never dies: the reaper leaves the template cache alone
        marker.write_text(json.dumps({"owner_pid": 1, "kind": "templates", "persistent": True, "pids": []}))
    final = root / f"mariadb-{key}"
    if not (final / "READY").exists():
        with open(root / f"{final.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (final / "READY").exists():
                shutil.rmtree(final, ignore_errors=True)
                build = root / f".build-{final.name}-{os.getpid()}-{secrets.token_hex(3)}"
                try:
                    _build(build)
                    build.rename(final)
                finally:
                    shutil.rmtree(build, ignore_errors=True)
    _seal(final)
    return Template(final)


def seal(path: Path) -> None:
    """Give a template (this one, or one derived from it) to root, 0700: no box account may
    read its passwords or plant a file in it."""
    _seal(path)


def _seal(path: Path) -> None:
    if not base.is_root() or path.stat().st_uid == 0:
        return
    for where, dirs, files in os.walk(path):
        os.chown(where, 0, 0)
        for name in dirs + files:
            os.lchown(os.path.join(where, name), 0, 0)
    os.chmod(path, 0o700)


def _build(build: Path) -> None:
    build.mkdir(mode=0o700)
    base.chown_to_sandbox_user(build)
    done = subprocess.run(
        [str(INSTALL_DB), "--no-defaults", f"--datadir={build / 'data'}", "--auth-root-authentication-method=normal",
         "--skip-test-db", "--skip-name-resolve", *STORAGE_OPTIONS],
        capture_output=True, text=True, env=boxes.sandbox_env(build), timeout=120, cwd=build, **base.demote_kwargs(),
    )  # fmt: skip
    if done.returncode != 0:
        raise SandboxError(f"mariadb-install-db failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
    accounts = {"admin": secrets.token_urlsafe(18), "learner": secrets.token_urlsafe(18)}
    socket_path = build / "build.sock"
    argv = _argv(build / "data", socket_path, build / "files", build / "tmp")
    for sub in ("files", "tmp"):
        (build / sub).mkdir(mode=0o700)
    base.chown_to_sandbox_user(build)
    process = base.spawn_process(argv, box=None, env={"HOME": str(build)}, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, cwd=build)  # fmt: skip
    try:
        _wait_socket(socket_path, process, READY_TIMEOUT)
        conn = pymysql.connect(unix_socket=str(socket_path), user="root", password="", autocommit=True)
        with conn.cursor() as cur:
            cur.execute("ALTER USER root@localhost IDENTIFIED BY %s", (accounts["admin"],))
            cur.execute("DROP USER IF EXISTS ''@localhost")
            # The learner's standing limits; per-attempt grants come from the attempt.
            cur.execute(
                f"CREATE USER {LEARNER}@localhost IDENTIFIED BY %s WITH MAX_USER_CONNECTIONS 8 "
                "MAX_STATEMENT_TIME 30",
                (accounts["learner"],),
            )
            cur.execute("SHUTDOWN")
        conn.close()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for leftover in ("build.sock", "files", "tmp"):
        target = build / leftover
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    (build / "accounts.json").write_text(json.dumps(accounts))
    (build / "READY").write_text(json.dumps({"version": mariadb_version(), "built": time.time()}))


def _wait_socket(path: Path, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    probe = probe_unix(path)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(f"mariadbd exited with code {process.returncode} while building the template")
        with contextlib.suppress(OSError):
            if probe(None):  # type: ignore[arg-type]
                return
        time.sleep(0.02)
    raise SandboxError(f"mariadbd was not ready within {timeout:g} s while building the template")


def _argv(data_dir: Path, socket_path: Path, files_dir: Path, tmp_dir: Path) -> list[str]:
    return [
        str(MARIADBD), "--no-defaults", f"--datadir={data_dir}", f"--socket={socket_path}",
        f"--pid-file={data_dir / 'mariadbd.pid'}", f"--secure-file-priv={files_dir}", f"--tmpdir={tmp_dir}",
        *STORAGE_OPTIONS, *SERVER_OPTIONS,
    ]  # fmt: skip


# --------------------------------------------------------------------------- servers

_LIVE: set[MariaServer] = set()


@dataclass(eq=False)
class MariaServer:
    """One running mariadbd in its own box; ``stop()`` removes the box with it."""

    sandbox: SandboxDir
    process: ServerProcess
    socket_path: Path
    accounts: dict[str, str]
    uses: int = 0
    lab_databases: dict[str, str] = field(default_factory=dict)  # lab key -> database name
    owns_sandbox: bool = True  # False: one of several servers in a topology's box

    def alive(self) -> bool:
        return self.process.alive()

    def connect(self, user: str = "root", database: str | None = None, **options: object) -> pymysql.Connection:
        password = self.accounts["admin" if user == "root" else "learner"]
        # ssl_disabled: the server has no TLS (a Unix socket in the box), and PyMySQL >= 1.2
        # otherwise builds a TLS context per connection, ~35 ms of CPU loading the CA bundle.
        options.setdefault("ssl_disabled", True)
        return pymysql.connect(
            unix_socket=str(self.socket_path), user=user, password=password, database=database,
            autocommit=True, charset="utf8mb4", local_infile=False, connect_timeout=10, **options,
        )  # fmt: skip

    def execute(self, sql: str, args: object = None, database: str | None = None) -> list[tuple]:
        conn = self.connect(database=database)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def stop(self) -> None:
        _LIVE.discard(self)
        with contextlib.suppress(Exception):
            self.process.stop(grace=3.0)
        if self.owns_sandbox:
            base.remove_sandbox_dir(self.sandbox)

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()

    def __enter__(self) -> MariaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server() -> MariaServer:
    """A fresh mariadbd from the template in a box of its own, ready for connections."""
    sandbox = base.make_sandbox_dir("mariadb")
    try:
        server = prepare_server(sandbox, "mariadb")
        server.owns_sandbox = True
        server.process.start(timeout=READY_TIMEOUT)
    except BaseException:
        base.remove_sandbox_dir(sandbox)
        raise
    _LIVE.add(server)
    return server


def prepare_server(
    sandbox: SandboxDir, name: str, *, port: int | None = None, options: tuple[str, ...] = ()
) -> MariaServer:
    """A mariadbd copied from the template into ``sandbox/name``, built but not started (a
    topology starts several at once). With ``port`` it also listens on 127.0.0.1:port (the
    box's own loopback); ``options`` come last, so they override the defaults."""
    tpl = template()
    home = make_home(sandbox, name)
    data_dir = home / "data"
    shutil.copytree(tpl.data_dir, data_dir, copy_function=shutil.copyfile)
    tmp_dir = home / "tmp"
    tmp_dir.mkdir(mode=0o700)
    base.chown_to_sandbox_user(home)
    # secure_file_priv: an empty directory the server's account cannot write to (root's,
    # outside the server's home), so INTO OUTFILE has nowhere to go even with FILE.
    files_dir = sandbox.path / f"{name}-no-files"
    files_dir.mkdir(mode=0o755)
    socket_path = home / "mariadbd.sock"
    argv = _argv(data_dir, socket_path, files_dir, tmp_dir)
    if port is not None:
        argv = [a for a in argv if a != "--skip-networking"] + [f"--port={port}", "--bind-address=127.0.0.1"]
    argv += list(options)
    process = ServerProcess(name="mariadbd", sandbox=sandbox, argv=argv, home=home, ready=probe_unix(socket_path))
    return MariaServer(sandbox, process, socket_path, tpl.secrets, owns_sandbox=False)


class ServerPool:
    """Warm servers of this worker process, one attempt at a time each."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[MariaServer] = []
        self._lock = threading.Lock()

    def acquire(self) -> MariaServer:
        with self._lock:
            while self._idle:
                server = self._idle.pop()
                if server.alive():
                    return server
                server.stop()
        return start_server()

    def release(self, server: MariaServer, reusable: bool) -> None:
        server.uses += 1
        box = server.sandbox.box
        if box is not None and box.breach() is not None:
            reusable = False  # its kill counters would blame the next learner
        if reusable and server.alive() and server.uses < MAX_USES:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(server)
                    return
        server.stop()

    def warm(self, count: int | None = None) -> None:
        for _ in range(max(0, min(count or self.size, self.size) - self.idle_count())):
            server = start_server()
            with self._lock:
                self._idle.append(server)

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for server in idle:
            server.stop()


POOL = ServerPool(int(os.environ.get("INDEXED_MARIADB_POOL_SIZE", "1")))


def shutdown() -> None:
    POOL.close()
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()


def _forget_after_fork() -> None:
    POOL._idle = []
    POOL._lock = threading.Lock()
    _LIVE.clear()


atexit.register(shutdown)
os.register_at_fork(after_in_child=_forget_after_fork)
