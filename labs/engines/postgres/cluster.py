"""The servers of an operational attempt: ``Instance`` (one postgres with its data, socket and
log), ``Cluster`` (all of an attempt's instances in one sandbox directory and box, started through
``labs.engines.postgres.server.spawn_postgres``), ``OperationalAttempt`` (what the checks receive),
and the helpers every topology uses (trusted SQL, playing ``scenario.sql``, waiting).

Every instance is a real ``postgres`` started from the engine's cached template data directory (initdb
runs once per installation), as the unprivileged sandbox user, on a free 127.0.0.1 port with
a private socket directory. All of an attempt's instances live in one sandbox directory
(with an owner record for the reaper) and are stopped, and the directory removed, on every
exit path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from labs.attempt import Attempt
from labs.engines.postgres.scenario import parse_scenario
from labs.engines.postgres.server import spawn_postgres
from labs.engines.postgres.settings import ADMIN_USER
from labs.engines.postgres.template import initdb_template
from labs.runbook import Step
from labs.sandbox import base
from labs.sandbox import box as boxes
from labs.sandbox.base import SandboxDir, SandboxError

PLATFORM_TIMEOUT = 30.0  # seconds our own steps (start, backup, archive) may take before we give up
SUPERUSER = ADMIN_USER  # the template's superuser; trusted on the private socket only
PROBE_TABLE = "indexed_probe"  # the replication checks write here; created before the learner's backup

# Settings the platform owns. They go on the command line, which overrides postgresql.conf and
# postgresql.auto.conf, so nothing a runbook writes can change them. Learner-facing settings
# (hot_standby, recovery_*, primary_slot_name ...) go to postgresql.auto.conf instead.
BASE_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_permissions": "0700",
    "fsync": "off",  # sandbox data is disposable
    "synchronous_commit": "on",  # commit order and timestamps must stay exact for recovery targets
    "shared_buffers": "16MB",
    "max_connections": "30",
    "autovacuum": "off",  # no stray transactions between the scenario's recorded xids
    "wal_level": "replica",
    "max_wal_senders": "5",
    "max_replication_slots": "5",
    "wal_keep_size": "0",
    "checkpoint_timeout": "1h",
    "jit": "off",
    "TimeZone": "UTC",
    "log_timezone": "UTC",
    "logging_collector": "off",
    "log_line_prefix": "%m [%p] ",
    "log_checkpoints": "off",
    # DSM segments as files in the data directory (not /dev/shm), so they go with the sandbox
    # directory even after an immediate shutdown or a SIGKILL, which skip their cleanup.
    "dynamic_shared_memory_type": "mmap",
}


# -- the template data directory -----------------------------------------------------------


def ensure_template() -> Path:
    """The data directory instances are copied from: the Postgres engine's cached template
    (initdb runs once per machine; 1 MB WAL segments keep archiving and backups cheap)."""
    return initdb_template().data_dir


# -- instances -------------------------------------------------------------------------------


@dataclass
class Instance:
    """One postgres server of an attempt."""

    name: str
    root: Path  # holds data/, sock/ and server.log
    port: int = 0
    process: subprocess.Popen | None = None
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def conninfo(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname=dbname)

    def connect(self, dbname: str = "postgres", autocommit: bool = True, timeout: float = 5.0) -> psycopg.Connection:
        """A superuser connection over the private socket (the platform's, never the learner's)."""
        # lock_timeout: a server paused by recovery inside a DROP's transaction holds that
        # lock forever; a check must fail fast instead of hanging past the lab's limit.
        return psycopg.connect(
            self.conninfo(dbname),
            autocommit=autocommit,
            connect_timeout=max(1, int(timeout)),
            options="-c lock_timeout=3000 -c statement_timeout=20000",
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def fatal_lines(self) -> list[str]:
        return [line for line in self.log_tail(200).splitlines() if "FATAL:" in line or "PANIC:" in line]

    def status(self) -> str:
        """postmaster.pid's status line: starting, ready, standby or stopping ('' if absent)."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return ""
        return lines[7].strip() if len(lines) >= 8 else ""


class Cluster:
    """The instances of one attempt, all inside one sandbox directory."""

    def __init__(self, sandbox: SandboxDir):
        self.sandbox = sandbox
        self.instances: dict[str, Instance] = {}
        base.chown_to_sandbox_user(sandbox.path)

    def make_dir(self, name: str) -> Path:
        path = self.sandbox.path / name
        path.mkdir(mode=0o700)
        base.chown_to_sandbox_user(path)
        return path

    def add_instance(self, name: str, source: Path | None = None, copy_data: bool = True) -> Instance:
        """Lay out an instance: its data directory is a copy of ``source`` (a base backup) or
        of the template (``cp -a`` keeps the sandbox user's ownership and modes), or, without
        ``copy_data``, left for pg_basebackup to create."""
        instance = Instance(name=name, root=self.make_dir(name))
        if copy_data:
            self.run_tool(
                ["cp", "-a", "--reflink=auto", str(source or ensure_template()), str(instance.data_dir)],
                as_sandbox_user=False,
            )
            base.chown_to_sandbox_user(instance.data_dir)
            os.chmod(instance.data_dir, 0o700)
        instance.socket_dir.mkdir(mode=0o700)
        base.chown_to_sandbox_user(instance.socket_dir)
        self.instances[name] = instance
        return instance

    def launch(self, instance: Instance, settings: dict[str, str] | None = None) -> None:
        """Start postgres without waiting; ``wait_until_ready`` finishes the job. Starting
        several instances before waiting on any lets them boot in parallel."""
        instance.port = base.free_port()
        merged = {
            **BASE_SETTINGS,
            **(settings or {}),
            "port": str(instance.port),
            "unix_socket_directories": str(instance.socket_dir),
        }
        instance.settings = merged
        # In the attempt's box: its standby and shards reach it on 127.0.0.1 inside the
        # box's own network namespace, nothing outside it does.
        instance.process = spawn_postgres(
            instance.data_dir, instance.root, instance.log_path, merged, instance.port, self.sandbox
        )

    def wait_until_ready(self, instance: Instance, deadline: float) -> bool:
        """True once the server accepts connections (or, with hot_standby off, runs as a
        standby); False if it exited. Raises TimeoutError at ``deadline``."""
        while time.monotonic() < deadline:
            if not instance.running():
                self.forget(instance)
                return False
            if instance.status() in ("ready", "standby"):
                return True
            time.sleep(0.01)
        raise TimeoutError(f"{instance.name} did not become ready")

    def start(
        self, instance: Instance, settings: dict[str, str] | None = None, timeout: float = PLATFORM_TIMEOUT
    ) -> None:
        """Start an instance the platform needs; any failure is ours (SandboxError)."""
        for _ in range(3):  # a free port can be taken between free_port() and bind()
            self.launch(instance, settings)
            try:
                if self.wait_until_ready(instance, time.monotonic() + timeout):
                    return
            except TimeoutError:
                self.stop(instance)
                raise SandboxError(f"postgres {instance.name} did not start within {timeout:g} s") from None
            if "could not bind" not in instance.log_tail() and "could not create" not in instance.log_tail():
                break
        reason = "; ".join(instance.fatal_lines()) or instance.log_tail(5)
        raise SandboxError(f"postgres {instance.name} failed to start: {reason}")

    def stop(self, instance: Instance, grace: float = 5.0) -> None:
        """Immediate shutdown (the data is disposable); the postmaster waits for its children,
        so once it is gone no backend of this instance is left."""
        process = instance.process
        if process is None:
            return
        if process.poll() is None:
            with suppress(ProcessLookupError):
                process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill(instance)
                process.wait(timeout=grace)
        self.forget(instance)

    def kill(self, instance: Instance, grace: float = 2.0) -> None:
        """SIGKILL the postmaster and every child at once, and wait until they are gone. Each
        postgres child leads its own process group (it calls setsid), so signalling the
        postmaster's group is not enough; killing a child's group also ends its archive_command."""
        process = instance.process
        if process is None or process.poll() is not None:
            return
        children = children_of(process.pid)
        for pid in [process.pid, *children]:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
        until = time.monotonic() + grace
        while any(base.pid_alive(pid) and not is_zombie(pid) for pid in children) and time.monotonic() < until:
            time.sleep(0.01)

    def kill_all(self) -> None:
        for instance in list(self.instances.values()):
            self.kill(instance)

    def forget(self, instance: Instance) -> None:
        """Drop a stopped server from the owner record so the reaper never signals a reused pid."""
        process = instance.process
        if process is not None and process.pid in self.sandbox.pids:
            process.poll()
            self.sandbox.pids.remove(process.pid)
            self.sandbox.record()

    def close(self) -> None:
        errors = []
        for instance in reversed(list(self.instances.values())):
            try:
                self.stop(instance)
            except Exception as exc:  # keep stopping the others; the sandbox dir removal kills leftovers
                errors.append(f"{instance.name}: {exc}")
        if errors:
            raise SandboxError("could not stop " + "; ".join(errors))

    def run_tool(
        self,
        argv: list[str],
        timeout: float = PLATFORM_TIMEOUT,
        as_sandbox_user: bool = True,
    ) -> subprocess.CompletedProcess:
        """Run a helper (pg_basebackup, cp) recorded in the owner file, killed on any exit path."""
        if as_sandbox_user:  # in the box, as the sandbox user, with an environment of its own
            process = base.spawn_process(
                argv,
                box=self.sandbox.box,
                env={"HOME": str(self.sandbox.path)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        else:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
                env=boxes.sandbox_env(),
            )
        self.sandbox.add_process(process.pid)
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if process.pid in self.sandbox.pids:
                self.sandbox.pids.remove(process.pid)
                self.sandbox.record()
        return subprocess.CompletedProcess(argv, process.returncode, out, err)


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid``, from /proc (ppid is the 2nd field after the command's ')')."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def is_zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() or ["?"])[0] == "Z"
    except OSError:
        return False


# -- the attempt -------------------------------------------------------------------------------


@dataclass
class OperationalAttempt(Attempt):
    """An attempt at an operational lab: the cluster the runbook built, for the checks.

    Roles: archive → ``primary`` (stopped after the incident), ``recovered``;
    standby → ``primary``, ``standby``; shards → ``coordinator``, ``shard1``..``shardN``.
    """

    topology: str = ""
    cluster: Cluster | None = None
    steps: list[Step] = field(default_factory=list)

    def server(self, role: str) -> Instance | None:
        return self.cluster.instances.get(role) if self.cluster else None

    def limit_breach(self) -> str | None:
        box = self.cluster.sandbox.box if self.cluster else None
        return box.breach() if box is not None else None

    def connect(self, role: str, dbname: str = "postgres") -> psycopg.Connection:
        instance = self.server(role)
        if instance is None or not instance.running():
            raise SandboxError(f"the {role} server is not running")
        return instance.connect(dbname, timeout=max(1.0, min(5.0, self.remaining())))

    def shard_roles(self) -> list[str]:
        return sorted(
            (r for r in (self.cluster.instances if self.cluster else {}) if r.startswith("shard")),
            key=lambda r: int(r.removeprefix("shard")),
        )

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def time_phase(self, phase: str, started: float) -> None:
        self.notes.setdefault("timings", {})[phase] = round(time.monotonic() - started, 4)

    def start_learner_clock(self, opened: float) -> None:
        """Push the deadline back by the time our own preparation took (starting servers,
        the base backup, the scenario), so the lab's limit measures the runbook, not us."""
        self.deadline += time.monotonic() - opened

    def abort(self) -> None:
        """Called by the runner's watchdog thread when grading overran: kill every server now, so
        whatever waits on one fails at once and the grading thread reaches its teardown."""
        if self.cluster is not None:
            self.cluster.kill_all()


def run_sql(instance: Instance, text: str, what: str) -> None:
    """Run a trusted script (the lab's setup.sql) in one go; errors are the lab's, so ours."""
    if not text.strip():
        return
    try:
        with instance.connect() as conn:
            conn.execute(text)
    except psycopg.Error as exc:
        raise SandboxError(f"{what} failed on {instance.name}: {exc}".strip()) from None


def play_scenario(instance: Instance, text: str) -> dict[str, dict[str, Any]]:
    """Run scenario.sql on the primary; return each mark's time, xid and WAL position."""
    marks: dict[str, dict[str, Any]] = {}
    with instance.connect() as conn:
        for item in parse_scenario(text):
            if item.sleep:
                time.sleep(item.sleep)
                continue
            try:
                if item.mark is None:
                    conn.execute(item.sql)
                    continue
                # The mark's transaction is the statement's: its xid is the statement's xid, and
                # its time and LSN come before the statement's first WAL record.
                with conn.transaction():
                    at, lsn, xid = conn.execute(
                        "SELECT clock_timestamp(), pg_current_wal_insert_lsn()::text, pg_current_xact_id()::text"
                    ).fetchone()
                    conn.execute(item.sql)
                ended, end_lsn = conn.execute("SELECT clock_timestamp(), pg_current_wal_insert_lsn()::text").fetchone()
                marks[item.mark] = {
                    "time": at.isoformat(sep=" "),
                    "xid": int(xid),
                    "lsn": lsn,
                    "end_time": ended.isoformat(sep=" "),
                    "end_lsn": end_lsn,
                }
            except psycopg.Error as exc:
                raise SandboxError(f"scenario.sql (statement from line {item.line}) failed: {exc}") from None
    return marks


def wait_for(condition: Any, deadline: float, error: Exception, interval: float = 0.01) -> None:
    while True:
        if condition():
            return
        if time.monotonic() >= deadline:
            raise error
        time.sleep(interval)
