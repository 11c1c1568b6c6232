"""The Postgres engine: warm sandboxed instances, per-lab template databases, attempts.

Layers, bottom up:

* ``initdb_template()`` builds, once per machine and cached on disk under
  ``SANDBOX_ROOT/templates``, a template data directory (initdb is ~1 s; copying it is
  ~50 ms). It already holds the unprivileged ``learner`` role.
* ``start_instance()`` copies that template into a private sandbox directory and starts
  ``postgres`` on it as the unprivileged OS user, listening on 127.0.0.1 on a free port and
  on a private unix socket directory. It returns a ``PgInstance`` handle (also a context
  manager) that the operational topologies (``labs.sandbox.pg_cluster``) and lesson tests
  reuse.
* ``POOL`` keeps a few warm instances per worker process. Each instance builds, once per lab
  content hash, a template database from ``setup.sql`` (and a second one from ``setup.sql``
  followed by ``hidden.sql``: hidden.sql runs after setup.sql and usually starts with
  TRUNCATE); an attempt clones them (``CREATE DATABASE … TEMPLATE``, ~12 ms) or, for
  ``readonly`` labs, reads them inside a transaction that is always rolled back.
* ``PgAttempt`` is what checks receive: learner connections with time limits, a row cap,
  memoised application of the answer, reference results cached per process, and a watchdog
  that cancels (then kills) whatever runs past the deadline.

Security model: learner SQL always runs as the ``learner`` role (NOSUPERUSER, NOCREATEDB,
NOCREATEROLE, no server-file or server-program roles). The admin superuser only builds and
drops databases and reads catalogs with ``search_path=pg_catalog``; it never runs DML on
tables the learner could own (a learner trigger would then run as superuser).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql as pgsql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.sandbox import base
from labs.sandbox import box as boxes
from labs.sandbox.base import SandboxDir, SandboxError
from labs.sandbox.pg_sql import (
    ScriptError,
    Statement,
    describe_error,
    find_forbidden,
    split_statements,
    substitute_variables,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from labs.spec import LabSpec

log = logging.getLogger(__name__)

PG_BIN = Path(os.environ.get("INDEXED_PG_BIN", "/usr/lib/postgresql/15/bin"))
ADMIN_USER = "sandbox_admin"
LEARNER_ROLE = "learner"
QUERY_TOPOLOGIES = ("database", "readonly")
OPERATIONAL_TOPOLOGIES = ("archive", "standby", "shards")

# initdb options: part of the template cache key. 1 MB WAL segments keep the copy small.
INITDB_SETTINGS: dict[str, Any] = {"encoding": "UTF8", "locale": "C.UTF-8", "wal_segsize": 1}

# Server settings for query-lab instances. Sandbox data is disposable, so durability is off;
# parallel query and JIT are off so plans are stable and small on a 2-core worker.
QUERY_LAB_CONFIG: dict[str, str] = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "shared_buffers": "16MB",
    "max_connections": "24",
    "autovacuum": "off",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "max_worker_processes": "2",
    "max_logical_replication_workers": "0",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "min_wal_size": "2MB",
    "max_wal_size": "64MB",
    "checkpoint_timeout": "1h",
    "deadlock_timeout": "100ms",
    "temp_file_limit": "64MB",
    "log_checkpoints": "off",
    "log_min_messages": "warning",
    "log_line_prefix": "%m [%p] %u@%d ",
    "max_prepared_transactions": "0",
    "huge_pages": "off",
    # segments in data_dir/pg_dynshmem, not /dev/shm: a SIGKILLed server (a timeout, the reaper)
    # leaves nothing behind once its sandbox directory is removed
    "dynamic_shared_memory_type": "mmap",
}

# Per-lab limits; a lab overrides any of them in [engine_options].
DEFAULT_OPTIONS: dict[str, Any] = {
    "row_cap": 1000,  # rows fetched from a learner's query before we stop and mark it truncated
    "preview_rows": 50,  # rows shown in artifacts
    "work_mem": "4MB",
    "lock_timeout": "3s",
    "learner_owns_schema": False,  # DDL labs (CREATE INDEX on given tables) set this to true
    "max_answer_bytes": 100_000,
}

TRANSACTION_CONTROL = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"})
READY_TIMEOUT = 15.0  # seconds for a copied instance to accept connections
PLATFORM_STATEMENT_TIMEOUT_MS = 120_000  # our own statements (setup.sql, reference runs)
PLATFORM_ALLOWANCE = 120.0  # most seconds of platform work that may push a learner's deadline
CANCEL_GRACE = 0.4  # after a cancel request, seconds before the instance is killed
MAX_LAB_DATABASES = 24  # lab template databases kept per instance (LRU)
MAX_USES = 500  # attempts before an instance is recycled (bounds catalog bloat)
# Every grader/admin session: built-ins first, the session's temp schema last (unlisted, it
# would come first for relations), learner schemas never.
GRADER_SEARCH_PATH = "-c search_path=pg_catalog,pg_temp"


# --------------------------------------------------------------------------- binaries


@cache
def pg_version() -> str:
    """``15.20``: the server's full version (part of the template cache key)."""
    try:
        out = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SandboxError(f"cannot run {PG_BIN / 'postgres'}: {exc}") from exc
    return out.stdout.split()[-1]


def find_missing_binaries() -> str | None:
    for name in ("postgres", "initdb"):
        if not os.access(PG_BIN / name, os.X_OK):
            return f"{PG_BIN / name} is not installed (set INDEXED_PG_BIN to the PostgreSQL bin directory)"
    return None


# --------------------------------------------------------------------------- template data dir


def _templates_root() -> Path:
    root = base.SANDBOX_ROOT / "templates"
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(base.SANDBOX_ROOT, 0o711)
    os.chmod(root, 0o711)
    marker = root / base.OWNER_FILE
    if not marker.exists():
        # The reaper removes folders whose owner died; pid 1 never dies, so the shared
        # template cache is never reaped. ("persistent" says why, for `sandbox ls`.)
        marker.write_text(
            json.dumps({"owner_pid": 1, "kind": "templates", "persistent": True, "pids": [], "ports": []})
        )
    return root


@dataclass(frozen=True)
class Template:
    path: Path  # holds data/, admin.password and READY

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def password(self) -> str:
        return (self.path / "admin.password").read_text().strip()


def initdb_template(settings: dict[str, Any] | None = None) -> Template:
    """The template data directory for this Postgres version and initdb settings.

    Built once per machine (a file lock serialises concurrent workers) and cached on disk;
    later calls return at once. The template already holds the ``learner`` role and a
    pg_hba.conf that trusts only the private unix socket and asks a password on 127.0.0.1.
    """
    settings = {**INITDB_SETTINGS, **(settings or {})}
    key = hashlib.sha256(json.dumps({"version": pg_version(), **settings}, sort_keys=True).encode()).hexdigest()[:12]
    root = _templates_root()
    final = root / f"pg{pg_version().split('.')[0]}-{key}"
    if (final / "READY").exists():
        _seal_template(final)
        return Template(final)
    with open(root / f"{final.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "READY").exists():  # another worker built it while we waited
            return Template(final)
        shutil.rmtree(final, ignore_errors=True)
        build = root / f".build-{final.name}-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            _build_template(build, settings)
            build.rename(final)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    _seal_template(final)
    return Template(final)


def _seal_template(path: Path) -> None:
    """Hand the built template to root, 0700: every instance is a copy of it, so a learner's
    shell (the sandbox user) must neither read its admin password nor plant a setting in it."""
    if not base.is_root() or path.stat().st_uid == 0:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, 0, 0)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), 0, 0)
    os.chmod(path, 0o700)


def _build_template(build: Path, settings: dict[str, Any]) -> None:
    build.mkdir(mode=0o700)
    password = secrets.token_urlsafe(18)
    (build / "admin.password").write_text(password)
    pwfile = build / "pwfile"
    pwfile.write_text(password + "\n")
    base.chown_to_sandbox_user(build)
    cmd = [
        str(PG_BIN / "initdb"),
        "-D",
        str(build / "data"),
        "-U",
        ADMIN_USER,
        f"--pwfile={pwfile}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
        "--no-instructions",
        f"--wal-segsize={settings['wal_segsize']}",
        f"--encoding={settings['encoding']}",
        f"--locale={settings['locale']}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=boxes.sandbox_env(build), **base.demote_kwargs())
    pwfile.unlink()
    if done.returncode != 0:
        raise SandboxError(f"initdb failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    # Only our own process reaches the private socket (its directory is 0700), so local trust
    # is safe; TCP on 127.0.0.1 needs the admin password (operational labs and replicas use it).
    (build / "data" / "pg_hba.conf").write_text(
        "local all all trust\n"
        "local replication all trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
        "host replication all 127.0.0.1/32 scram-sha-256\n"
    )
    instance = _launch(build / "data", build, dict(QUERY_LAB_CONFIG), password)
    try:
        with instance.connect() as conn:
            conn.execute(
                f"CREATE ROLE {LEARNER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                "NOINHERIT CONNECTION LIMIT 12"
            )
            # The learner may connect only to the databases we grant per lab.
            conn.execute("REVOKE ALL ON DATABASE postgres FROM PUBLIC")
            conn.execute("REVOKE ALL ON DATABASE template1 FROM PUBLIC")
            conn.execute("CHECKPOINT")
            conn.execute("CHECKPOINT")  # the second one recycles the WAL the first left behind
    finally:
        instance.stop(remove=False)
    shutil.rmtree(build / "sock", ignore_errors=True)
    (build / "data" / "postmaster.opts").unlink(missing_ok=True)
    (build / "postgres.log").unlink(missing_ok=True)
    (build / "READY").write_text(json.dumps({"version": pg_version(), "settings": settings, "built": time.time()}))


# --------------------------------------------------------------------------- instances

# Every instance this process started and has not stopped: strong references, so a handle a
# caller forgot still gets stopped at exit.
_LIVE: set[PgInstance] = set()


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
        _LIVE.discard(self)
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


def _server_args(data_dir: Path, socket_dir: Path, port: int, config: dict[str, str]) -> list[str]:
    settings = {
        **config,
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(socket_dir),
        "unix_socket_permissions": "0700",
    }
    args = [str(PG_BIN / "postgres"), "-D", str(data_dir)]
    for key, value in settings.items():
        args += ["-c", f"{key}={value}"]
    return args


def _spawn(data_dir: Path, home: Path, config: dict[str, str], password: str, sandbox: SandboxDir | None) -> PgInstance:
    """Start postgres on ``data_dir`` with its socket and log in ``home``; do not wait."""
    socket_dir = home / "sock"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    base.chown_to_sandbox_user(socket_dir)
    log_path = home / "postgres.log"
    port = base.free_port()
    with open(log_path, "ab") as log_file:
        # In the sandbox's box (own netns and cgroups) with an environment of its own only.
        process = base.spawn_process(
            _server_args(data_dir, socket_dir, port, config),
            box=sandbox.box if sandbox is not None else None,
            env={"HOME": str(home), "PGDATA": str(data_dir)},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    instance = PgInstance(data_dir, socket_dir, port, process, password, dict(config), log_path, sandbox)
    _LIVE.add(instance)
    if sandbox is not None:
        sandbox.add_process(process.pid, port)
    return instance


def _launch(
    data_dir: Path, home: Path, config: dict[str, str], password: str, sandbox: SandboxDir | None = None
) -> PgInstance:
    """Start postgres and wait until it is ready, retrying on a port someone else took."""
    last_error = ""
    for _ in range(3):
        instance = _spawn(data_dir, home, config, password, sandbox)
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


def start_instance(
    config: dict[str, str] | None = None,
    sandbox: SandboxDir | None = None,
    *,
    data_dir: Path | None = None,
    template_settings: dict[str, Any] | None = None,
    wait: bool = True,
) -> PgInstance:
    """Start one Postgres server from the template data directory (no initdb).

    ``config`` overrides ``QUERY_LAB_CONFIG`` (e.g. ``{"wal_level": "replica",
    "archive_mode": "on", ...}`` for operational labs). With ``sandbox``, the instance lives
    in a subfolder of that sandbox directory and its pid is recorded there (the caller
    removes the directory); without, it gets its own sandbox directory that ``stop()``
    removes. ``data_dir`` starts an existing data directory (a base backup, a standby)
    instead of a copy of the template; ``wait=False`` returns before it accepts connections
    (then call ``wait_ready()``). Use it as a context manager.
    """
    template = initdb_template(template_settings)
    owns = sandbox is None
    sandbox = sandbox or base.make_sandbox_dir("pg")
    try:
        home = sandbox.path / f"pg-{secrets.token_hex(3)}"
        home.mkdir(mode=0o700)
        if data_dir is None:
            data_dir = home / "data"
            shutil.copytree(template.data_dir, data_dir, copy_function=shutil.copyfile)
            os.chmod(data_dir, 0o700)
            base.chown_to_sandbox_user(home)
        else:
            base.chown_to_sandbox_user(home)
        merged = {**QUERY_LAB_CONFIG, **(config or {})}
        launch = _launch if wait else _spawn
        instance = launch(data_dir, home, merged, template.password, sandbox)
    except BaseException:
        if owns:
            base.remove_sandbox_dir(sandbox)
        raise
    instance.owns_sandbox = owns
    return instance


# --------------------------------------------------------------------------- pool


class InstancePool:
    """Warm query-lab instances of this worker process, handed out one attempt at a time."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[PgInstance] = []
        self._lock = threading.Lock()

    def acquire(self) -> PgInstance:
        with self._lock:
            while self._idle:
                instance = self._idle.pop()
                if instance.alive():
                    return instance
                instance.stop()
        return start_instance()

    def release(self, instance: PgInstance, reusable: bool) -> None:
        instance.uses += 1
        box = instance.sandbox.box if instance.sandbox is not None else None
        if box is not None and box.breach() is not None:
            reusable = False  # its kill counters would blame the next learner
        if reusable and instance.alive() and instance.uses < MAX_USES:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(instance)
                    return
        instance.stop()

    def warm(self, count: int | None = None) -> None:
        """Start instances ahead of the first attempt (e.g. in a worker's init hook)."""
        wanted = min(count or self.size, self.size)
        for _ in range(max(0, wanted - self.idle_count())):
            instance = start_instance()
            with self._lock:
                self._idle.append(instance)

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for instance in idle:
            instance.stop()


POOL = InstancePool(int(os.environ.get("INDEXED_PG_POOL_SIZE", "2")))


def live_instances() -> list[PgInstance]:
    """Instances this process started and has not stopped yet."""
    return list(_LIVE)


def shutdown() -> None:
    """Stop every instance this process started (pool and direct). Registered with atexit."""
    POOL.close()
    for instance in list(_LIVE):
        with contextlib.suppress(Exception):
            instance.stop()


def _forget_after_fork() -> None:
    # A forked worker must not stop or reuse its parent's servers: start afresh.
    POOL._idle = []
    POOL._lock = threading.Lock()
    _LIVE.clear()


atexit.register(shutdown)
os.register_at_fork(after_in_child=_forget_after_fork)


# --------------------------------------------------------------------------- lab databases

VISIBLE, HIDDEN = "visible", "hidden"


def lab_options(spec: LabSpec) -> dict[str, Any]:
    return {**DEFAULT_OPTIONS, **spec.engine_options}


def ensure_lab_database(instance: PgInstance, spec: LabSpec, dataset: str = VISIBLE) -> str:
    """Name of the lab's template database on ``instance``, building it on first use."""
    key = f"{spec.content_hash()}:{dataset}:{spec.topology}"
    if key in instance.lab_databases:
        instance.lab_databases.move_to_end(key)
        return instance.lab_databases[key]
    name = f"lab_{spec.content_hash()}_{dataset[0]}"
    while len(instance.lab_databases) >= MAX_LAB_DATABASES:
        _, old = instance.lab_databases.popitem(last=False)
        instance.readonly_databases.discard(old)
        instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(old)))
    instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
    instance.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(pgsql.Identifier(name)))
    try:
        with instance.connect(name, options=f"-c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}") as conn:
            for filename, script in (("setup.sql", spec.seed), ("hidden.sql", spec.hidden_seed)):
                if filename == "hidden.sql" and dataset != HIDDEN:
                    continue
                try:
                    conn.execute(script or "SELECT 1")
                except psycopg.Error as exc:
                    raise SandboxError(f"lab {spec.id}: {filename} failed: {exc}".strip()) from exc
            _grant_learner(conn, name, spec)
            conn.execute("ANALYZE")
    except BaseException:
        with contextlib.suppress(Exception):
            instance.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
        raise
    instance.lab_databases[key] = name
    if spec.topology == "readonly":
        instance.readonly_databases.add(name)
    return name


_LAB_SCHEMAS = """
    SELECT n.nspname FROM pg_catalog.pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
"""


def _grant_learner(conn: psycopg.Connection, dbname: str, spec: LabSpec) -> None:
    """Give the learner exactly what the lab's topology needs on the fresh lab database."""
    options = lab_options(spec)
    ident = pgsql.Identifier
    learner = ident(LEARNER_ROLE)
    conn.execute(pgsql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident(dbname)))
    conn.execute(pgsql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(ident(dbname), learner))
    schemas = [row[0] for row in conn.execute(_LAB_SCHEMAS)]
    readonly = spec.topology == "readonly"
    for schema in schemas:
        s = ident(schema)
        if readonly:
            conn.execute(pgsql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(s, learner))
            conn.execute(pgsql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(s, learner))
        elif options["learner_owns_schema"]:
            conn.execute(pgsql.SQL("ALTER SCHEMA {} OWNER TO {}").format(s, learner))
        else:
            conn.execute(pgsql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(s, learner))
            conn.execute(
                pgsql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON ALL TABLES IN SCHEMA {} TO {}").format(
                    s, learner
                )
            )
            conn.execute(
                pgsql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(s, learner)
            )
    if options["learner_owns_schema"] and not readonly:
        _hand_objects_to_learner(conn, schemas)
    if readonly:
        conn.execute(
            pgsql.SQL("ALTER ROLE {} IN DATABASE {} SET default_transaction_read_only = on").format(
                learner, ident(dbname)
            )
        )


def _hand_objects_to_learner(conn: psycopg.Connection, schemas: list[str]) -> None:
    """Make the learner the owner of the lab's tables, views and functions (for DDL labs)."""
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "S": "SEQUENCE"}
    # sequences owned by a column (serial, identity) follow their table: skip them
    rows = conn.execute(
        """SELECT c.relkind, n.nspname, c.relname FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = ANY(%s) AND c.relkind IN ('r','p','v','m','f','S')
             AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a','i')))
           ORDER BY c.relkind = 'S'""",
        (schemas,),
    ).fetchall()
    for relkind, schema, name in rows:
        conn.execute(
            pgsql.SQL("ALTER {} {}.{} OWNER TO {}").format(
                pgsql.SQL(kinds[relkind]),
                pgsql.Identifier(schema),
                pgsql.Identifier(name),
                pgsql.Identifier(LEARNER_ROLE),
            )
        )
    functions = conn.execute(
        """SELECT p.oid::regprocedure::text, p.prokind FROM pg_catalog.pg_proc p
           JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s)""",
        (schemas,),
    ).fetchall()
    for signature, prokind in functions:
        kind = "PROCEDURE" if prokind == "p" else "FUNCTION"
        conn.execute(pgsql.SQL(f"ALTER {kind} {signature} OWNER TO {{}}").format(pgsql.Identifier(LEARNER_ROLE)))


# --------------------------------------------------------------------------- attempts


@dataclass
class Rows:
    """A learner's (or the reference's) result: at most ``cap`` rows, ``truncated`` if more."""

    columns: list[str]
    rows: list[tuple]
    truncated: bool = False

    def preview(self, limit: int) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": [[jsonable(v) for v in row] for row in self.rows[:limit]],
            "truncated": self.truncated or len(self.rows) > limit,
            "row_count": len(self.rows),
            "row_count_is_lower_bound": self.truncated,
        }


def jsonable(value: Any) -> Any:
    """A JSON-safe rendering of a value Postgres returned (for artifacts)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class LearnerSqlError(Exception):
    """The learner's SQL failed in an ordinary way (syntax, missing column): a failed check."""

    def __init__(self, message: str, hint: str = "", sqlstate: str = "", statement: Statement | None = None):
        super().__init__(message)
        self.message, self.hint, self.sqlstate, self.statement = message, hint, sqlstate, statement


@dataclass
class ScriptOutcome:
    """What happened when a script ran: ``error`` is None when every statement succeeded."""

    statements: list[Statement]
    error: LearnerSqlError | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


_REFERENCE_CACHE: OrderedDict[tuple, Any] = OrderedDict()  # (lab hash, solution hash, ...) -> reference
MAX_REFERENCES = 256  # a course has a few hundred (lab, dataset, query) pairs at most


class PgAttempt(Attempt):
    """One learner answer against one lab on one pooled instance.

    ``deadline`` is the learner's: time spent on platform work (cloning databases, computing
    reference results) pushes it back, up to ``PLATFORM_ALLOWANCE`` seconds in total.
    """

    def __init__(self, spec: LabSpec, answer: str, deadline: float, instance: PgInstance):
        self._base_deadline = deadline
        self._paused_total = 0.0
        self._paused_since: float | None = None
        super().__init__(spec=spec, answer=answer, deadline=deadline)
        self.instance = instance
        self.options = lab_options(spec)
        self.readonly = spec.topology == "readonly"
        self.row_cap = int(self.options["row_cap"])
        self.preview_rows = int(self.options["preview_rows"])
        self.timed_out = False
        self.healthy = True
        self._databases: dict[str, str] = {}  # dataset -> database this attempt reads
        self._clones: list[str] = []  # databases to drop at the end
        self._learner_conns: dict[str, psycopg.Connection] = {}
        self._tracked: list[psycopg.Connection] = []  # every learner connection, for cancel
        self._tracked_lock = threading.Lock()
        self._busy = 0  # learner statements in flight
        self._applied: dict[str, ScriptOutcome] = {}
        self._watchdog: threading.Thread | None = None
        self._closed = threading.Event()
        self._statements: list[Statement] | None = None

    # -- the learner's clock

    @property
    def deadline(self) -> float:
        paused = self._paused_total
        if self._paused_since is not None:
            paused += time.monotonic() - self._paused_since
        return self._base_deadline + min(paused, PLATFORM_ALLOWANCE)

    @deadline.setter
    def deadline(self, value: float) -> None:
        self._base_deadline = value

    @contextlib.contextmanager
    def platform_work(self) -> Iterator[None]:
        """Our own work (clones, reference runs) does not use up the learner's time."""
        if self._paused_since is not None:  # nested: the outer pause already counts
            yield
            return
        self._paused_since = time.monotonic()
        try:
            yield
        finally:
            self._paused_total += time.monotonic() - self._paused_since
            self._paused_since = None

    # -- the answer

    @property
    def statements(self) -> list[Statement]:
        """The answer split into statements (AnswerRejected when it cannot be split)."""
        if self._statements is None:
            try:
                self._statements = split_statements(self.answer)
            except ScriptError as exc:
                raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from exc
        return self._statements

    @property
    def has_hidden(self) -> bool:
        return self.spec.hidden_seed is not None

    # -- databases and connections

    def database(self, dataset: str = VISIBLE) -> str:
        """The database this attempt uses for ``dataset``: a fresh clone, or for readonly labs
        the lab database itself (every learner statement then runs in a rolled-back transaction)."""
        if dataset not in self._databases:
            with self.platform_work():
                template = ensure_lab_database(self.instance, self.spec, dataset)
                if self.readonly:
                    self._databases[dataset] = template
                else:
                    self._databases[dataset] = self.clone(template)
        return self._databases[dataset]

    def clone(self, template: str) -> str:
        """A new database copied from ``template``, dropped when the attempt ends."""
        name = f"att_{secrets.token_hex(6)}"
        with self.platform_work():
            self.instance.execute(
                pgsql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    pgsql.Identifier(name), pgsql.Identifier(template)
                )
            )
        self._clones.append(name)
        return name

    def scratch_database(self, dataset: str = VISIBLE) -> str:
        """A private clone of the lab's data (for the reference solution), even in readonly labs."""
        with self.platform_work():
            return self.clone(ensure_lab_database(self.instance, self.spec, dataset))

    def _learner_options(self) -> str:
        remaining_ms = max(1, int(self.remaining() * 1000))
        return " ".join(
            [
                f"-c statement_timeout={remaining_ms}",
                f"-c lock_timeout={self.options['lock_timeout']}",
                f"-c idle_in_transaction_session_timeout={remaining_ms + 2000}",
                f"-c work_mem={self.options['work_mem']}",
            ]
        )

    def connect_learner(self, database: str, *, platform: bool = False, settings: str = "") -> psycopg.Connection:
        """A new autocommit connection as the learner role, tracked so the watchdog can cancel it.
        ``platform=True`` (reference runs) gets our generous timeout instead of the learner's;
        ``settings`` (``-c name=value …``) override whatever defaults the learner gave its role."""
        options = f"-c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}" if platform else self._learner_options()
        options = f"{options} {settings}".strip()
        try:
            conn = self.instance.connect(database, LEARNER_ROLE, options=options)
        except psycopg.Error as exc:
            self.healthy = self.instance.alive()
            raise SandboxError(f"cannot connect to the sandbox as the learner: {exc}") from exc
        with self._tracked_lock:
            self._tracked.append(conn)
        return conn

    def learner(self, dataset: str = VISIBLE) -> psycopg.Connection:
        """The attempt's shared learner connection to ``dataset`` (opened on first use)."""
        conn = self._learner_conns.get(dataset)
        if conn is None or conn.closed:
            database = self.database(dataset)
            with self.platform_work():
                conn = self._learner_conns[dataset] = self.connect_learner(database)
        return conn

    def connect_admin(self, dataset: str = VISIBLE, *, database: str | None = None) -> psycopg.Connection:
        """A superuser connection to the attempt's database (or ``database``) for catalog reads
        and ANALYZE. search_path is pg_catalog (then pg_temp), so learner-made functions,
        operators and relations never resolve; callers still qualify what they name."""
        return self.instance.connect(
            database or self.database(dataset),
            options=f"{GRADER_SEARCH_PATH} -c statement_timeout={PLATFORM_STATEMENT_TIMEOUT_MS}",
        )

    # -- running learner SQL

    @contextlib.contextmanager
    def learner_call(self, statement: Statement | None = None) -> Iterator[None]:
        """Run learner SQL: translate timeouts, escapes, crashes and ordinary errors."""
        if time.monotonic() >= self.deadline:
            self.timed_out = True
            raise LearnerTimeout(self._timeout_message())
        with self._tracked_lock:
            self._busy += 1
        try:
            yield
        except psycopg.errors.QueryCanceled as exc:
            if self.timed_out or "statement timeout" in str(exc) or time.monotonic() >= self.deadline - 0.05:
                self.timed_out = True
                raise LearnerTimeout(self._timeout_message()) from exc
            raise LearnerSqlError(describe_error(exc, statement).message, "", "57014", statement) from exc
        except psycopg.OperationalError as exc:
            if self.timed_out:
                raise LearnerTimeout(self._timeout_message()) from exc
            breach = self.limit_breach()
            if breach is not None:  # the box's OOM killer or pids limit stopped the answer
                self.healthy = False
                raise AnswerRejected(breach) from exc
            if not self.instance.alive():
                self.healthy = False
                raise SandboxError(f"the sandbox server stopped: {self.instance.log_tail(5)}") from exc
            report = describe_error(exc, statement)
            if exc.sqlstate in ("57P01", "57P02", "57P03", None):  # terminated: treat as a crash
                self.healthy = False
                raise SandboxError(f"the sandbox connection was lost: {exc}") from exc
            raise LearnerSqlError(report.message, report.hint, report.sqlstate, statement) from exc
        except psycopg.Error as exc:
            report = describe_error(exc, statement)
            if report.escape:
                raise AnswerRejected(report.message) from exc
            raise LearnerSqlError(report.message, report.hint, report.sqlstate, statement) from exc
        finally:
            with self._tracked_lock:
                self._busy -= 1

    def limit_breach(self) -> str | None:
        box = self.instance.sandbox.box if self.instance.sandbox is not None else None
        return box.breach() if box is not None else None

    def _timeout_message(self) -> str:
        return (
            f"Your SQL was still running when this lab's time limit of {self.spec.time_limit:g} s ran out, "
            "so it was stopped. Look for a missing join condition (a cross join), an endless recursive "
            "query, or a sleep, and run it on a smaller table first."
        )

    def execute_statement(
        self, conn: psycopg.Connection, statement: Statement, variables: dict[str, str] | None = None
    ) -> psycopg.Cursor:
        """Run one learner statement on ``conn``; return the cursor (rows fetched by the caller)."""
        text = substitute_variables(statement.text, variables or {})
        with self.learner_call(statement):
            if statement.first_word == "COPY":
                raise LearnerSqlError(
                    f"Statement {statement.index} uses COPY, which the sandbox does not run.",
                    "Load rows with INSERT … SELECT or INSERT … VALUES instead.",
                    statement=statement,
                )
            return conn.execute(text, prepare=False)

    def run_script(
        self, sql: str | list[Statement], dataset: str = VISIBLE, conn: psycopg.Connection | None = None
    ) -> ScriptOutcome:
        """Run a script statement by statement in autocommit mode, like ``psql -f``.

        Stops at the first error. For readonly labs everything runs inside one transaction
        that is rolled back. A transaction the script leaves open is rolled back, as psql's
        disconnect would.
        """
        statements = split_statements(sql) if isinstance(sql, str) else sql
        outcome = ScriptOutcome(statements)
        conn = conn or self.learner(dataset)
        variables: dict[str, str] = {}
        try:
            with self.learner_call(), self._readonly_guard(conn):
                for statement in statements:
                    if self.readonly and statement.first_word in TRANSACTION_CONTROL:
                        continue  # the whole readonly attempt is one transaction already
                    cur = self.execute_statement(conn, statement, variables)
                    if statement.gset is not None:
                        store_gset(variables, _gset(cur, statement))
        except LearnerSqlError as exc:
            outcome.error = exc
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not self.readonly:
            outcome.notes.append("Your script left a transaction open; it was rolled back, as psql does on exit.")
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
        return outcome

    @contextlib.contextmanager
    def _readonly_guard(self, conn: psycopg.Connection) -> Iterator[None]:
        if not self.readonly:
            yield
            return
        with conn.transaction(force_rollback=True):
            yield

    def apply_answer(self, dataset: str = VISIBLE) -> ScriptOutcome:
        """Run the learner's answer as a script on ``dataset`` once; later calls reuse it."""
        if dataset not in self._applied:
            self._applied[dataset] = self.run_script(self.statements, dataset)
        return self._applied[dataset]

    def fetch(
        self,
        sql: str | list[Statement],
        dataset: str = VISIBLE,
        *,
        cap: int | None = None,
        conn: psycopg.Connection | None = None,
    ) -> Rows:
        """Rows of the last statement of ``sql`` (earlier ones run first, same transaction,
        all rolled back). The query runs through a server-side cursor, so a huge result never
        leaves the server: we fetch ``cap + 1`` rows and mark the result truncated."""
        statements = split_statements(sql) if isinstance(sql, str) else sql
        # BEGIN/COMMIT around a query change nothing here, and would end our rolled-back transaction
        statements = [s for s in statements if s.first_word not in TRANSACTION_CONTROL]
        if not statements:
            raise LearnerSqlError(
                "The answer is empty: there is no query to run.", "Write a SELECT statement that returns the rows."
            )
        *before, last = statements
        if last.first_word not in ("SELECT", "WITH", "VALUES", "TABLE"):
            raise LearnerSqlError(
                f"The last statement ({last.short(60)}) does not return rows: this check needs a query "
                f"(SELECT, WITH … SELECT, VALUES or TABLE), not {last.first_word or 'that'}.",
                "End your answer with the SELECT that produces the result.",
                statement=last,
            )
        cap = cap or self.row_cap
        conn = conn or self.learner(dataset)
        variables: dict[str, str] = {}
        # learner_call outside the transaction too: its ROLLBACK may hit a killed server
        with self.learner_call(last), conn.transaction(force_rollback=True):
            for statement in before:
                cur = self.execute_statement(conn, statement, variables)
                if statement.gset is not None:
                    store_gset(variables, _gset(cur, statement))
            with self.learner_call(last), conn.cursor(name=f"rows_{secrets.token_hex(3)}") as cur:
                cur.execute(substitute_variables(last.text, variables))
                rows = cur.fetchmany(cap + 1)
                columns = [d.name for d in cur.description or []]
        return Rows(columns, rows[:cap], len(rows) > cap)

    def reference(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """A reference value (the solution's rows, its plan buffers) cached per process.

        The key always includes the lab's content hash and the solution's text, so editing
        either recomputes. Failures are the lab author's, hence SandboxError (not gradable).
        """
        solution = self.spec.solution_path.read_text(encoding="utf-8")
        full_key = (self.spec.content_hash(), hashlib.sha256(solution.encode()).hexdigest(), *key)
        if full_key in _REFERENCE_CACHE:
            _REFERENCE_CACHE.move_to_end(full_key)
            return _REFERENCE_CACHE[full_key]
        with self.platform_work():
            try:
                value = compute()
            except (LearnerSqlError, AnswerRejected, LearnerTimeout) as exc:
                raise SandboxError(f"lab {self.spec.id}: the reference solution failed: {exc}") from exc
        _REFERENCE_CACHE[full_key] = value
        while len(_REFERENCE_CACHE) > MAX_REFERENCES:
            _REFERENCE_CACHE.popitem(last=False)
        return value

    @property
    def solution(self) -> str:
        return self.spec.solution_path.read_text(encoding="utf-8")

    # -- watchdog and teardown

    def start_watchdog(self) -> None:
        self._watchdog = threading.Thread(target=self._watch, name=f"pg-watchdog-{self.spec.id}", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        """At the deadline cancel every learner statement; if one is still running a moment
        later (a hung server, a backend ignoring the cancel), kill the instance."""
        while not self._closed.is_set():
            wait = self.deadline - time.monotonic()
            if wait > 0:
                self._closed.wait(min(wait, 0.25))
                continue
            with self._tracked_lock:
                busy = self._busy
                conns = list(self._tracked)
            if not busy:
                self._closed.wait(0.02)
                continue
            self.timed_out = True
            for conn in conns:
                with contextlib.suppress(Exception):
                    conn.cancel_safe(timeout=0.2)
            if self._closed.wait(CANCEL_GRACE):
                return
            with self._tracked_lock:
                busy = self._busy
            if busy:
                log.warning("learner SQL ignored a cancel for lab %s: killing its instance", self.spec.id)
                self.abort()
                return

    def abort(self) -> None:
        """Kill the instance now (the runner's last resort); teardown then discards it."""
        self.timed_out = True
        self.healthy = False
        self.instance.kill()

    def close(self) -> None:
        """Close connections and drop this attempt's databases; on any trouble, mark unhealthy."""
        self._closed.set()
        with self._tracked_lock:
            conns, self._tracked = self._tracked, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        if self._watchdog is not None:
            self._watchdog.join(timeout=2)
        if not self.instance.alive():
            self.healthy = False
            return
        try:
            for name in self._clones:
                self.instance.execute(
                    pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
                )
            restore_learner_settings(self.instance)
        except psycopg.Error as exc:
            log.warning("cleanup of a Postgres attempt failed, discarding the instance: %s", exc)
            self.healthy = False


READONLY_SETTINGS = ["default_transaction_read_only=on"]


def restore_learner_settings(instance: PgInstance) -> None:
    """Undo defaults a learner set on its own role. Any role may run ``ALTER ROLE self [IN
    DATABASE d] SET …``, even for databases of later attempts (a readonly lab's database),
    so after every attempt the learner's settings go back to exactly what we gave it."""
    learner = pgsql.Identifier(LEARNER_ROLE)
    rows = instance.execute(
        "SELECT d.datname, s.setconfig FROM pg_catalog.pg_db_role_setting s "
        "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
        "WHERE s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = %s)",
        (LEARNER_ROLE,),
    )
    found = {name: config for name, config in rows}
    for name in set(found) | instance.readonly_databases:
        expected = READONLY_SETTINGS if name in instance.readonly_databases else None
        if found.get(name) == expected:
            continue
        if name is None:
            instance.execute(pgsql.SQL("ALTER ROLE {} RESET ALL").format(learner))
            continue
        database = pgsql.Identifier(name)
        instance.execute(pgsql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(learner, database))
        if expected:
            instance.execute(
                pgsql.SQL("ALTER ROLE {} IN DATABASE {} SET default_transaction_read_only = on").format(
                    learner, database
                )
            )


def _gset(cur: psycopg.Cursor, statement: Statement) -> dict[str, str | None]:
    """psql's \\gset: the single row's columns become variables (prefixed), each holding the
    text psql would print (a boolean is ``t``/``f``, a timestamp ``2024-01-01 08:00:00+00``),
    read from the server's own text output, never from a Python rendering. A NULL maps to
    None: psql unsets that variable, so a later ``:name`` stays as it is written."""
    rows = cur.fetchall() if cur.description else []
    if len(rows) != 1:
        said = "no rows returned for \\gset" if not rows else "more than one row returned for \\gset"
        raise LearnerSqlError(
            f"Statement {statement.index} ({statement.short(60)}) ends with \\gset but returned {len(rows)} rows "
            f"(psql: {said}); \\gset needs exactly one row.",
            "Make the query return one row, e.g. filter on the primary key, or aggregate (count(*), bool_or()).",
            statement=statement,
        )
    result = cur.pgresult
    encoding = cur.connection.info.encoding
    values: dict[str, str | None] = {}
    for column, described in enumerate(cur.description):
        raw = result.get_value(0, column) if result is not None else None
        if raw is None:
            values[f"{statement.gset or ''}{described.name}"] = None
        elif result.fformat(column) == 0:  # text format: exactly the bytes psql prints
            values[f"{statement.gset or ''}{described.name}"] = bytes(raw).decode(encoding, "replace")
        else:  # a binary column (never requested here): fall back to its Python text
            values[f"{statement.gset or ''}{described.name}"] = str(rows[0][column])
    return values


def store_gset(variables: dict[str, str], values: dict[str, str | None]) -> None:
    """Set (or, for NULL, unset) the variables a \\gset produced, as psql does."""
    for name, value in values.items():
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = value


# --------------------------------------------------------------------------- engine


class PostgresEngine:
    name = "postgres"
    capabilities = ("sql", "explain", "transactions", "plpgsql", "partitioning")

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        missing: dict[str, str] = {}
        binaries = find_missing_binaries()
        if binaries:
            missing["postgres"] = binaries
        if spec.topology in OPERATIONAL_TOPOLOGIES:
            try:
                from labs.sandbox import pg_cluster
            except ImportError:
                missing[spec.topology] = (
                    "the operational Postgres topologies are not installed (labs.sandbox.pg_cluster)"
                )
            else:
                check = getattr(pg_cluster, "missing_capabilities", None)
                if check is not None:
                    missing.update(check(spec))
                return missing
        for capability in spec.requires:
            if capability not in self.capabilities:
                missing[capability] = f"the Postgres query sandbox does not provide {capability!r}"
        return missing

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[Attempt]:
        if spec.topology in OPERATIONAL_TOPOLOGIES:
            from labs.sandbox.pg_cluster import open_operational_attempt

            return open_operational_attempt(spec, answer, deadline)
        return self._open_query_attempt(spec, answer, deadline)

    @contextlib.contextmanager
    def _open_query_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[PgAttempt]:
        options = lab_options(spec)
        if len(answer.encode("utf-8", "replace")) > int(options["max_answer_bytes"]):
            raise AnswerRejected(
                f"Your answer is longer than {int(options['max_answer_bytes']) // 1000} kB; a lab answer is a few "
                "statements. Remove generated data or pasted output."
            )
        try:
            statements = split_statements(answer)
        except ScriptError as exc:
            raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from exc
        forbidden = find_forbidden(statements)
        if forbidden:
            raise AnswerRejected(forbidden)
        paused_from = time.monotonic()
        instance = POOL.acquire()
        attempt = PgAttempt(spec, answer, deadline, instance)
        attempt._paused_total = time.monotonic() - paused_from
        attempt._statements = statements
        try:
            attempt.database(VISIBLE)
            attempt.start_watchdog()
            yield attempt
        except psycopg.OperationalError as exc:
            attempt.healthy = False
            if attempt.timed_out:
                raise LearnerTimeout(attempt._timeout_message()) from exc
            raise SandboxError(f"the sandbox server failed: {exc}") from exc
        finally:
            attempt.close()
            POOL.release(instance, reusable=attempt.healthy)


ENGINE = PostgresEngine()
