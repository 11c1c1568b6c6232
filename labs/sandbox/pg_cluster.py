"""Operational Postgres topologies: whole instances a learner's runbook acts on.

The Postgres engine (labs.sandbox.postgres) hands its operational labs to
``open_operational_attempt(spec, answer, deadline)``:

- ``archive``: a primary archives its WAL; a base backup is taken; the lab's ``scenario.sql``
  plays an incident (a DROP TABLE at a recorded moment) and its WAL is archived. The runbook
  then restores the backup into a new data directory and recovers it to a target.
- ``standby``: a primary holds the lab's data; the runbook creates a slot, takes a base
  backup and starts a streaming standby.
- ``shards``: a coordinator with the lab's data and N empty shard servers reachable through
  postgres_fdw (servers ``shard1``..``shardN``); the runbook turns a table into a partitioned
  table whose partitions are foreign tables on the shards.

Every instance is a real ``postgres`` started from the engine's cached template data directory (initdb
runs once per installation), as the unprivileged sandbox user, on a free 127.0.0.1 port with
a private socket directory. All of an attempt's instances live in one sandbox directory
(with an owner record for the reaper) and are stopped, and the directory removed, on every
exit path.

``scenario.sql`` is plain SQL run statement by statement on the primary after the base
backup, each statement in its own transaction, plus two directives on their own lines::

    -- @mark drop        the next statement runs in one transaction whose start time, WAL
                         position and transaction id are recorded as @drop.time/.lsn/.xid
    -- @sleep 0.2        wait (at most 2 s) so two moments get distinct timestamps
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.runbook import MarkRef, RunbookError, Step, parse_lab_runbook
from labs.sandbox import base
from labs.sandbox import box as boxes
from labs.sandbox import pg_pitr_cache as pitr_cache
from labs.sandbox import pg_standby_load as standby_load
from labs.sandbox.base import SandboxDir, SandboxError
from labs.sandbox.postgres import ADMIN_USER, initdb_template

if TYPE_CHECKING:
    from labs.spec import LabSpec

PG_BIN = Path(os.environ.get("INDEXED_PG_BIN", "/usr/lib/postgresql/15/bin"))  # same variable as the engine's
OPERATIONAL_TOPOLOGIES = ("archive", "standby", "shards")
PLATFORM_TIMEOUT = 30.0  # seconds our own steps (start, backup, archive) may take before we give up
SUPERUSER = ADMIN_USER  # the template's superuser; trusted on the private socket only
PROBE_TABLE = "indexed_probe"  # the replication checks write here; created before the learner's backup
DEFAULT_SHARDS = 3
# Phase timings of the latest attempts (newest last), for the bench and for diagnosing slow grades.
RECENT_TIMINGS: deque[dict[str, float]] = deque(maxlen=20)
MAX_SHARDS = 8
MAX_SCENARIO_SLEEP = 2.0

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
        argv = [str(PG_BIN / "postgres"), "-D", str(instance.data_dir)]
        for key, value in merged.items():
            argv += ["-c", f"{key}={value}"]
        with open(instance.log_path, "ab") as log:
            # In the attempt's box: its standby and shards reach it on 127.0.0.1 inside the
            # box's own network namespace, nothing outside it does.
            instance.process = base.spawn_process(
                argv,
                box=self.sandbox.box,
                env={"HOME": str(instance.root), "PGDATA": str(instance.data_dir)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.sandbox.add_process(instance.process.pid, instance.port)

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
                argv, box=self.sandbox.box, env={"HOME": str(self.sandbox.path)},
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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


def missing_operational_capabilities(spec: LabSpec) -> dict[str, str]:
    """What this installation lacks for an operational lab, each with the reason."""
    missing = {}
    for tool in ("postgres", "initdb", "pg_basebackup"):
        if not (PG_BIN / tool).is_file():
            missing[spec.topology] = f"{PG_BIN / tool} is not installed (PostgreSQL 15 server binaries)"
    if spec.topology == "shards":
        share = subprocess.run([str(PG_BIN / "pg_config"), "--sharedir"], capture_output=True, text=True)
        control = Path(share.stdout.strip() or "/usr/share/postgresql/15") / "extension" / "postgres_fdw.control"
        if not control.is_file():
            missing["postgres_fdw"] = f"{control} is missing (install postgresql-contrib)"
    return missing


@contextmanager
def open_operational_attempt(spec: LabSpec, answer: str, deadline: float) -> Iterator[OperationalAttempt]:
    """Build the lab's topology, play its scenario, run the learner's runbook, and yield the
    attempt to the checks; every instance stops and the sandbox directory goes on every path.

    Raises RunbookError (an AnswerRejected) for an invalid runbook before starting anything,
    AnswerRejected when a step fails because of the runbook, LearnerTimeout when the
    runbook's waits run past the deadline, and SandboxError for our own failures.
    """
    if spec.topology not in OPERATIONAL_TOPOLOGIES:
        raise ValueError(f"{spec.topology!r} is not an operational topology ({', '.join(OPERATIONAL_TOPOLOGIES)})")
    steps = parse_lab_runbook(spec, answer)
    with base.sandbox_dir(f"pg-{spec.topology}") as sandbox:
        cluster = Cluster(sandbox)
        attempt: OperationalAttempt | None = None
        try:
            attempt = OperationalAttempt(
                spec=spec, answer=answer, deadline=deadline, topology=spec.topology, cluster=cluster, steps=steps
            )
            attempt.notes["opened"] = time.monotonic()
            TOPOLOGY_BUILDERS[spec.topology](attempt)
            yield attempt
        finally:
            started = time.monotonic()
            try:
                if attempt is not None:
                    standby_load.close_held(attempt)
                cluster.close()
            finally:
                if attempt is not None:
                    attempt.time_phase("teardown", started)
                    RECENT_TIMINGS.append(attempt.notes.get("timings", {}))


def shard_count(spec: LabSpec) -> int:
    value = spec.engine_options.get("shards", DEFAULT_SHARDS)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SHARDS:
        raise SandboxError(f"lab {spec.id}: engine_options.shards must be a whole number from 1 to {MAX_SHARDS}")
    return value


def run_sql(instance: Instance, text: str, what: str) -> None:
    """Run a trusted script (the lab's setup.sql) in one go; errors are the lab's, so ours."""
    if not text.strip():
        return
    try:
        with instance.connect() as conn:
            conn.execute(text)
    except psycopg.Error as exc:
        raise SandboxError(f"{what} failed on {instance.name}: {exc}".strip()) from None


# -- scenario.sql --------------------------------------------------------------------------------

DIRECTIVE = re.compile(r"^\s*--\s*@(\w+)\b\s*(.*?)\s*$")


@dataclass
class ScenarioItem:
    sql: str = ""
    mark: str | None = None
    sleep: float = 0.0
    line: int = 0


def split_statements(text: str) -> list[str]:
    """Split SQL into statements at top-level semicolons, respecting quotes, dollar quotes and
    comments (a simple-protocol batch would run as one transaction, which would blur marks)."""
    statements, start, index, length = [], 0, 0, len(text)
    while index < length:
        char = text[index]
        if char == "-" and text.startswith("--", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif char == "/" and text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = length if end < 0 else end + 2
            continue
        elif char in ("'", '"'):
            escaped = char == "'" and index > 0 and text[index - 1] in "eE"
            index += 1
            while index < length:
                if escaped and text[index] == "\\":
                    index += 2
                    continue
                if text[index] == char:
                    if text.startswith(char * 2, index):
                        index += 2
                        continue
                    break
                index += 1
        elif char == "$":
            match = re.match(r"\$[A-Za-z_]*\$", text[index:])
            if match:
                end = text.find(match.group(0), index + len(match.group(0)))
                index = length if end < 0 else end + len(match.group(0))
                continue
        elif char == ";":
            statements.append(text[start:index])
            start = index + 1
        index += 1
    statements.append(text[start:])
    return [s.strip() for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.DOTALL)
    return bool(without_comments.strip())


def parse_scenario(text: str) -> list[ScenarioItem]:
    """Statements and directives of scenario.sql, in order; a mark attaches to the next statement."""
    items: list[ScenarioItem] = []
    pending_mark: tuple[str, int] | None = None
    chunk: list[str] = []
    chunk_line = 1

    def flush() -> None:
        nonlocal pending_mark
        for statement in split_statements("\n".join(chunk)):
            mark = pending_mark[0] if pending_mark else None
            items.append(ScenarioItem(sql=statement, mark=mark, line=chunk_line))
            pending_mark = None
        chunk.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        match = DIRECTIVE.match(line)
        if not match:
            if not chunk:
                chunk_line = number
            chunk.append(line)
            continue
        flush()
        name, argument = match.group(1), match.group(2)
        if name == "mark":
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", argument):
                raise ValueError(f"scenario.sql line {number}: @mark needs a name in lower case, got {argument!r}")
            if pending_mark:
                raise ValueError(
                    f"scenario.sql line {number}: @mark {argument} follows @mark {pending_mark[0]} "
                    "with no statement between them"
                )
            pending_mark = (argument, number)
        elif name == "sleep":
            try:
                seconds = float(argument)
            except ValueError:
                seconds = -1
            if not 0 <= seconds <= MAX_SCENARIO_SLEEP:
                raise ValueError(f"scenario.sql line {number}: @sleep takes 0 to {MAX_SCENARIO_SLEEP:g} seconds")
            items.append(ScenarioItem(sleep=seconds, line=number))
        else:
            raise ValueError(f"scenario.sql line {number}: unknown directive @{name}; known: @mark, @sleep")
    flush()
    if pending_mark:
        raise ValueError(f"scenario.sql line {pending_mark[1]}: @mark {pending_mark[0]} has no statement after it")
    names = [item.mark for item in items if item.mark]
    if len(names) != len(set(names)):
        raise ValueError("scenario.sql: a mark name is used twice")
    return items


def scenario_marks(spec: LabSpec) -> set[str]:
    """The mark names a lab's scenario records (runbooks may refer to these only)."""
    try:
        return {item.mark for item in parse_scenario(spec.read("scenario.sql") or "") if item.mark}
    except ValueError as exc:
        raise SandboxError(f"lab {spec.id}: {exc}") from None


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


# -- archive: point-in-time recovery ---------------------------------------------------------------


def build_archive(attempt: OperationalAttempt) -> None:
    """The incident (base backup, WAL archive, marks) comes from the per-lab cache
    (labs.sandbox.pg_pitr_cache), built by the first attempt; this attempt copies the archive
    into its own box and runs the runbook on a copy of the backup."""
    cluster, spec = attempt.cluster, attempt.spec
    assert cluster is not None
    started = time.monotonic()
    inputs, built = pitr_cache.archive_inputs(spec)
    attempt.time_phase("scenario_built" if built else "scenario_cached", started)
    started = time.monotonic()
    archive = pitr_cache.copy_into(cluster, inputs)
    attempt.notes["marks"] = inputs.marks
    attempt.notes["primary_timeline"] = 1
    attempt.notes["archived_through"] = inputs.archived_through
    attempt.time_phase("archive_copied", started)

    started = time.monotonic()
    attempt.start_learner_clock(attempt.notes["opened"])
    run_archive_runbook(attempt, archive, inputs.backup)
    attempt.time_phase("runbook", started)


def wait_for(condition: Any, deadline: float, error: Exception, interval: float = 0.01) -> None:
    while True:
        if condition():
            return
        if time.monotonic() >= deadline:
            raise error
        time.sleep(interval)


def resolve_value(attempt: OperationalAttempt, step: Step, value: Any) -> Any:
    """Turn @mark references into the values the scenario recorded."""
    if not isinstance(value, MarkRef):
        return value
    marks = attempt.notes.get("marks", {})
    if value.mark not in marks:
        raise AnswerRejected(
            f"{step.describe()}: this lab records no mark @{value.mark}; its marks are "
            f"{', '.join('@' + m for m in sorted(marks)) or 'none'}"
        )
    recorded = marks[value.mark][value.field]
    if value.field == "time" and value.offset_seconds:
        moment = datetime.fromisoformat(recorded) + timedelta(seconds=value.offset_seconds)
        return moment.isoformat(sep=" ")
    return recorded


def conf_line(name: str, value: Any) -> str:
    text = ("on" if value else "off") if isinstance(value, bool) else str(value)
    return f"{name} = '{text.replace(chr(39), chr(39) * 2)}'"


def run_archive_runbook(attempt: OperationalAttempt, archive: Path, backup: Path) -> None:
    cluster = attempt.cluster
    assert cluster is not None
    settings: dict[str, Any] = {}
    recovered: Instance | None = None
    recovery = attempt.notes.setdefault("recovery", {"state": "not started", "settings": settings})
    for step in attempt.steps:
        if step.name == "restore_base_backup":
            recovered = cluster.add_instance("recovered", source=backup)
        elif step.name == "set":
            settings[step.args["param"]] = resolve_value(attempt, step, step.args["value"])
        elif step.name == "start":
            assert recovered is not None  # the parser puts restore_base_backup first
            lines = [f"restore_command = 'cp {archive}/%f \"%p\"'"]
            lines += [conf_line(name, value) for name, value in settings.items()]
            with open(recovered.data_dir / "postgresql.auto.conf", "a") as conf:
                conf.write("\n# written by the learner's runbook\n" + "\n".join(lines) + "\n")
            (recovered.data_dir / "recovery.signal").touch()
            base.chown_to_sandbox_user(recovered.data_dir)
            recovery["state"] = start_recovery(attempt, cluster, recovered, step, settings)
        elif step.name == "promote":
            assert recovered is not None
            recovery["promote_step"] = True
            recovery["state"] = promote(attempt, recovered, step)


def start_recovery(
    attempt: OperationalAttempt, cluster: Cluster, instance: Instance, step: Step, settings: dict[str, Any]
) -> str:
    """Start the restored server and wait until recovery stops: promoted, or paused at the target."""
    cluster.launch(instance, {"archive_mode": "off"})
    try:
        ready = cluster.wait_until_ready(instance, attempt.deadline)
    except TimeoutError:
        raise LearnerTimeout(
            f"{step.describe()}: the restored server was still replaying WAL when the lab's "
            f"time limit of {attempt.spec.time_limit:g} s ran out"
        ) from None
    if not ready:
        raise AnswerRejected(explain_failed_recovery(instance, step, settings))
    try:
        with instance.connect(timeout=attempt.remaining()) as conn:
            while True:
                state = recovery_state(conn)
                if state in ("promoted", "paused"):
                    return state
                if time.monotonic() >= attempt.deadline:
                    raise LearnerTimeout(
                        f"{step.describe()}: recovery had not reached its target when the lab's time "
                        f"limit of {attempt.spec.time_limit:g} s ran out"
                    )
                time.sleep(0.01)
    except psycopg.OperationalError:
        # A hot standby accepts connections once consistent, then may still stop on a FATAL
        # (a target beyond the archive): wait for the postmaster to exit and explain from its log.
        try:
            instance.process.wait(timeout=PLATFORM_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SandboxError(
                f"the restored server dropped our connection but kept running: {instance.log_tail(3)}"
            ) from None
        cluster.forget(instance)
        raise AnswerRejected(explain_failed_recovery(instance, step, settings)) from None


def recovery_state(conn: psycopg.Connection) -> str:
    """promoted, paused or replaying; the pause state exists only during recovery, which may end
    between two queries."""
    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
        return "promoted"
    try:
        paused = conn.execute("SELECT pg_get_wal_replay_pause_state() = 'paused'").fetchone()[0]
    except psycopg.errors.ObjectNotInPrerequisiteState:
        return "promoted"
    return "paused" if paused else "replaying"


def describe_target(settings: dict[str, Any]) -> str:
    targets = [
        f"{k} = {settings[k]}"
        for k in settings
        if k.startswith("recovery_target")
        and k not in ("recovery_target_inclusive", "recovery_target_action", "recovery_target_timeline")
    ]
    return ", ".join(targets) or "no recovery target"


# FATAL lines that only say a client was turned away while the server was busy: they hide
# the server's own reason for stopping.
_CLIENT_REFUSALS = (
    "the database system is in recovery mode",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is not yet accepting connections",
)


def _server_fatal_lines(instance: Instance) -> list[str]:
    return [line for line in instance.fatal_lines() if not any(text in line for text in _CLIENT_REFUSALS)]


def explain_failed_recovery(instance: Instance, step: Step, settings: dict[str, Any]) -> str:
    """A learner-facing reason the restored server stopped, from its log."""
    fatal = _server_fatal_lines(instance)
    if not fatal and instance.process is not None:
        # The server may still be writing its reason while it shuts down: give it a moment.
        with contextlib.suppress(subprocess.TimeoutExpired):
            instance.process.wait(timeout=2)
        fatal = _server_fatal_lines(instance)
    last = fatal[-1].split("FATAL:", 1)[-1].strip() if fatal else "it exited without a FATAL message"
    target = describe_target(settings)
    if "before configured recovery target was reached" in last:
        advice = (
            "Recovery replayed every archived WAL file without reaching your target: no change in the archive "
            "comes after it. Pick a target between the base backup and the incident, such as the incident's own mark."
        )
    elif "before consistent recovery point" in last:
        advice = (
            "Your target lies before the end of the base backup, where the restored files are not yet "
            "consistent. Pick a target after the backup: the incident happened later."
        )
    elif "timeline" in last:
        advice = "The archive has only timeline 1 (and what recovery creates): use recovery_target_timeline latest."
    else:
        advice = "Check the recovery settings of your runbook against the lab's instructions."
    return f"{step.describe()}: the restored server stopped during recovery ({target}): {last}. {advice}"


def promote(attempt: OperationalAttempt, instance: Instance, step: Step) -> str:
    """pg_promote(): ends recovery, even when it is paused at the target."""
    if not instance.running():
        raise AnswerRejected(f"{step.describe()}: there is no running server to promote")
    with instance.connect(timeout=attempt.remaining()) as conn:
        if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            return "promoted"  # recovery_target_action = promote already did it: nothing to do
        # Ask without waiting, then poll with short queries: a long pg_promote(true) on a hot
        # standby can be cancelled by a recovery conflict while replay finishes before promotion.
        conn.execute("SELECT pg_promote(false)")
        while time.monotonic() < attempt.deadline:
            try:
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return "promoted"
            except (psycopg.errors.QueryCanceled, psycopg.errors.SerializationFailure):
                pass  # "canceling statement due to conflict with recovery": ask again
            time.sleep(0.02)
    raise LearnerTimeout(f"{step.describe()}: promotion did not finish within the lab's time limit")


# -- standby -------------------------------------------------------------------------------------


def build_standby(attempt: OperationalAttempt) -> None:
    cluster, spec = attempt.cluster, attempt.spec
    assert cluster is not None
    started = time.monotonic()
    primary = cluster.add_instance("primary")
    cluster.start(primary)
    run_sql(primary, spec.seed, "setup.sql")
    run_sql(
        primary,
        f"CREATE TABLE {PROBE_TABLE} (id bigserial PRIMARY KEY, token text NOT NULL, "
        "written_at timestamptz NOT NULL DEFAULT clock_timestamp())",
        "the probe table",
    )
    run_sql(primary, standby_load.create_load_table_sql(), "the report-load table")
    attempt.time_phase("primary_ready", started)
    started = time.monotonic()
    attempt.start_learner_clock(attempt.notes["opened"])
    run_standby_runbook(attempt, primary)
    attempt.time_phase("runbook", started)


def run_standby_runbook(attempt: OperationalAttempt, primary: Instance) -> None:
    cluster = attempt.cluster
    assert cluster is not None
    settings: dict[str, Any] = {}
    standby: Instance | None = None
    attempt.notes["standby_settings"] = settings
    for step in attempt.steps:
        if step.name == "create_replication_slot":
            try:
                with primary.connect() as conn:
                    conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", [step.args["slot"]])
            except psycopg.Error as exc:
                raise AnswerRejected(f"{step.describe()}: the primary refused: {exc}".strip()) from None
            attempt.notes.setdefault("slots_created", []).append(step.args["slot"])
        elif step.name == "take_base_backup":
            standby = cluster.add_instance("standby", copy_data=False)
            argv = [
                str(PG_BIN / "pg_basebackup"),
                "-D",
                str(standby.data_dir),
                "-h",
                str(primary.socket_dir),
                "-p",
                str(primary.port),
                "-U",
                SUPERUSER,
                "-R",
                "-c",
                "fast",
                "-X",
                "stream",
                "--no-sync",
                "--no-manifest",
            ]
            if "slot" in step.args:
                argv += ["-S", step.args["slot"]]
            taken = cluster.run_tool(argv, timeout=max(1.0, attempt.remaining()))
            if taken.returncode:
                raise AnswerRejected(f"{step.describe()}: pg_basebackup failed: {taken.stderr.strip()}")
            attempt.notes["backup_slot"] = step.args.get("slot")
        elif step.name == "set":
            settings[step.args["param"]] = step.args["value"]
        elif step.name == "start_standby":
            assert standby is not None
            if settings:
                with open(standby.data_dir / "postgresql.auto.conf", "a") as conf:
                    conf.write("\n# written by the learner's runbook\n")
                    conf.write("\n".join(conf_line(k, v) for k, v in settings.items()) + "\n")
            cluster.launch(standby, standby_load.STANDBY_SETTINGS)
            try:
                ready = cluster.wait_until_ready(standby, attempt.deadline)
            except TimeoutError:
                raise LearnerTimeout(
                    f"{step.describe()}: the standby did not become consistent within the lab's "
                    f"time limit of {attempt.spec.time_limit:g} s"
                ) from None
            if not ready:
                fatal = "; ".join(line.split("FATAL:", 1)[-1].strip() for line in standby.fatal_lines()[-2:])
                raise AnswerRejected(
                    f"{step.describe()}: the standby stopped while starting: {fatal or standby.log_tail(3)}"
                )
            # Reports start on the standby at once (the lab's story): replay lags for a while, so
            # only a runbook that waits for catch-up is caught up when the checks look.
            standby_load.hold_replay(attempt, primary, standby)
        elif step.name == "wait_for_catchup":
            attempt.notes["catchup"] = wait_for_catchup(attempt, primary, step)
        elif step.name == "promote":
            assert standby is not None
            attempt.notes["standby_promoted"] = promote(attempt, standby, step) == "promoted"


def wait_for_catchup(attempt: OperationalAttempt, primary: Instance, step: Step) -> dict[str, Any]:
    """Wait until the primary sees a standby replay everything it had written; a timeout is
    noted (the checks report the lag), not fatal: a lagging standby is a gradable outcome."""
    timeout = standby_load.catchup_timeout(attempt, step.args.get("timeout"))
    until = time.monotonic() + timeout
    with primary.connect() as conn:
        target = str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])
    query = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
    standby = attempt.server("standby")
    try:
        # Ask the standby itself: the primary's view (pg_stat_replication) is only as fresh as
        # the standby's last status message.
        conn = standby.connect(timeout=max(1.0, timeout)) if standby else primary.connect()
    except psycopg.OperationalError:  # hot_standby = off: the primary's view is all there is
        conn, query = primary.connect(), "SELECT max(replay_lsn) >= %s::pg_lsn FROM pg_stat_replication"
    with conn:
        while True:
            if conn.execute(query, [target]).fetchone()[0]:
                return {"reached": True, "target_lsn": target}
            if time.monotonic() >= until:
                return {"reached": False, "target_lsn": target, "waited": round(timeout, 2)}
            time.sleep(0.02)


# -- shards ----------------------------------------------------------------------------------------


def build_shards(attempt: OperationalAttempt) -> None:
    cluster, spec = attempt.cluster, attempt.spec
    assert cluster is not None
    started = time.monotonic()
    count = shard_count(spec)
    coordinator = cluster.add_instance("coordinator")
    shards = [cluster.add_instance(f"shard{n}") for n in range(1, count + 1)]
    settings = {"max_wal_senders": "0", "wal_level": "minimal"}  # nothing replicates here: cheaper WAL
    for instance in (coordinator, *shards):
        cluster.launch(instance, settings)
    for instance in (coordinator, *shards):  # booting in parallel; wait for them all
        try:
            if not cluster.wait_until_ready(instance, time.monotonic() + PLATFORM_TIMEOUT):
                raise SandboxError(f"postgres {instance.name} failed to start: {'; '.join(instance.fatal_lines())}")
        except TimeoutError:
            raise SandboxError(f"postgres {instance.name} did not start in time") from None
    run_sql(coordinator, spec.seed, "setup.sql")
    statements = ["CREATE EXTENSION postgres_fdw"]
    for number, shard in enumerate(shards, start=1):
        statements.append(
            sql.SQL(
                "CREATE SERVER {name} FOREIGN DATA WRAPPER postgres_fdw "
                "OPTIONS (host {host}, port {port}, dbname 'postgres', batch_size '500', fetch_size '1000')"
            ).format(
                name=sql.Identifier(f"shard{number}"),
                host=sql.Literal(str(shard.socket_dir)),
                port=sql.Literal(str(shard.port)),
            )
        )
        statements.append(
            sql.SQL("CREATE USER MAPPING FOR {user} SERVER {name} OPTIONS (user {user_literal})").format(
                user=sql.Identifier(SUPERUSER),
                name=sql.Identifier(f"shard{number}"),
                user_literal=sql.Literal(SUPERUSER),
            )
        )
    with coordinator.connect() as conn:
        for statement in statements:
            conn.execute(statement)
    attempt.time_phase("cluster_ready", started)
    started = time.monotonic()
    attempt.start_learner_clock(attempt.notes["opened"])
    run_shards_runbook(attempt, coordinator)
    attempt.time_phase("runbook", started)


def run_shards_runbook(attempt: OperationalAttempt, coordinator: Instance) -> None:
    sharded: dict[str, dict[str, Any]] = attempt.notes.setdefault("sharded", {})
    with coordinator.connect() as conn:
        for step in attempt.steps:
            table = step.args["table"]
            try:
                if step.name == "create_sharded_table":
                    sharded[table] = create_sharded_table(conn, step)
                elif step.name == "attach_shard":
                    sharded[table]["partitions"].append(attach_shard(attempt, conn, step, sharded[table]))
                elif step.name == "copy_rows":
                    copied = conn.execute(
                        sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                            sql.Identifier(table), sql.Identifier(sharded[table]["local_table"])
                        )
                    )
                    sharded[table]["copied_rows"] = copied.rowcount
            except psycopg.Error as exc:
                raise AnswerRejected(explain_shard_error(step, exc)) from None


def table_columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str, bool]]:
    return conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [table],
    ).fetchall()


def create_sharded_table(conn: psycopg.Connection, step: Step) -> dict[str, Any]:
    """The table becomes ``<table>_local``; ``<table>`` is re-created empty, partitioned by the key."""
    table, column, method = step.args["table"], step.args["column"], step.args["method"]
    local = f"{table}_local"
    kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table]).fetchone()
    if kind is None or kind[0] != "r":
        existing = [
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
                "ORDER BY relname"
            ).fetchall()
        ]
        raise AnswerRejected(
            f"{step.describe()}: there is no table {table} to shard; this lab's tables: {', '.join(existing) or 'none'}"
        )
    columns = [c[0] for c in table_columns(conn, table)]
    if column not in columns:
        raise AnswerRejected(f"{step.describe()}: {table} has no column {column}; its columns are {', '.join(columns)}")
    source_rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    with conn.transaction():
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(table), sql.Identifier(local)))
        conn.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY {} ({})").format(
                sql.Identifier(table), sql.Identifier(local), sql.SQL(method.upper()), sql.Identifier(column)
            )
        )
    return {
        "method": method,
        "column": column,
        "local_table": local,
        "source_rows": source_rows,
        "partitions": [],
        "line": step.line,
    }


def attach_shard(
    attempt: OperationalAttempt, conn: psycopg.Connection, step: Step, info: dict[str, Any]
) -> dict[str, Any]:
    """Create the table on the shard, then a foreign table on the coordinator as a partition."""
    table, shard = step.args["table"], step.args["shard"]
    server = attempt.server(f"shard{shard}")
    assert server is not None  # the parser bounds shard numbers
    columns = table_columns(conn, info["local_table"])
    keys = [
        r[0]
        for r in conn.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            [info["local_table"]],
        ).fetchall()
    ]
    parts = [
        sql.SQL("{} {}{}").format(sql.Identifier(name), sql.SQL(kind), sql.SQL(" NOT NULL" if notnull else ""))
        for name, kind, notnull in columns
    ]
    if keys:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(map(sql.Identifier, keys))))
    # A shard may hold several partitions of a table (modulus 6 over 3 shards): each gets its own
    # remote table, so a partition's foreign scan never reads another partition's rows.
    earlier = sum(1 for part in info["partitions"] if part["shard"] == shard)
    remote_table = table if not earlier else f"{table}_{earlier + 1}"
    with server.connect() as remote:
        remote.execute(
            sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(remote_table), sql.SQL(", ").join(parts))
        )
    foreign = f"{table}_shard{shard}" if not earlier else f"{table}_shard{shard}_{earlier + 1}"
    if step.args["method"] == "hash":
        bounds = sql.SQL("WITH (MODULUS {}, REMAINDER {})").format(
            sql.Literal(step.args["modulus"]), sql.Literal(step.args["remainder"])
        )
    else:
        bounds = sql.SQL("FROM ({}) TO ({})").format(range_bound(step.args["low"]), range_bound(step.args["high"]))
    conn.execute(
        sql.SQL("CREATE FOREIGN TABLE {} PARTITION OF {} FOR VALUES {} SERVER {} OPTIONS (table_name {})").format(
            sql.Identifier(foreign),
            sql.Identifier(table),
            bounds,
            sql.Identifier(f"shard{shard}"),
            sql.Literal(remote_table),
        )
    )
    return {"shard": shard, "foreign_table": foreign, "remote_table": remote_table, "line": step.line}


def range_bound(value: int | str) -> sql.Composable:
    if value in ("MINVALUE", "MAXVALUE"):
        return sql.SQL(str(value))
    return sql.Literal(value)


def explain_shard_error(step: Step, exc: psycopg.Error) -> str:
    message = (exc.diag.message_primary or str(exc)).strip()
    if exc.diag.message_detail:
        message += f" ({exc.diag.message_detail.strip().rstrip('.')})"
    advice = ""
    if "no partition of relation" in message:
        advice = (
            " Some rows have no shard: attach partitions that cover every value of the shard key (every "
            "remainder of the modulus for hash; from minvalue to maxvalue for range)."
        )
    elif "would overlap" in message:
        advice = (
            " Two partitions claim the same values: for range, make each from= start where the previous to= "
            "ends; for hash, give each remainder once (with several moduli, remainder r of modulus m also "
            "covers r, r+m, r+2m … of a larger modulus)."
        )
    elif "modulus" in message and "factor" in message:
        advice = (
            " Mixed moduli are allowed when each divides the next larger one (3 and 6, not 3 and 4), "
            "so every hash value still falls in exactly one partition."
        )
    elif "invalid input syntax" in message or "does not match" in message:
        advice = " A bound does not fit the type of the shard key."
    return f"{step.describe()} failed: {message}.{advice}"


TOPOLOGY_BUILDERS = {"archive": build_archive, "standby": build_standby, "shards": build_shards}


# -- bench -------------------------------------------------------------------------------------------


def default_pitr_lab() -> Path:
    """The course's own PITR lab (what learners wait for), or the test fixture without it."""
    root = Path(__file__).resolve().parents[2]
    course_lab = root / "curriculum" / "labs" / "pitr-dropped-table"
    fixture_lab = root / "tests" / "fixtures" / "course" / "labs" / "ops-pitr"
    return course_lab if (course_lab / "lab.toml").exists() else fixture_lab


def bench_pitr_graded(runs: int = 5, lab: str | Path | None = None) -> dict[str, float]:
    """Median seconds to grade a PITR lab's solution end to end (labs.runner.grade),
    with the median of each phase the attempt recorded."""
    from labs.runner import grade
    from labs.spec import load_spec

    spec = load_spec(lab or default_pitr_lab())
    answer = spec.solution_path.read_text()
    ensure_template()  # a worker builds it once; the bench measures attempts, not initdb
    totals, phases = [], {}
    for _ in range(runs):
        started = time.monotonic()
        result = grade(spec, answer)
        totals.append(time.monotonic() - started)
        if result.score != 1.0:
            raise RuntimeError(f"the PITR solution scored {result.score}: {json.dumps(result.to_dict())[:500]}")
        timings = RECENT_TIMINGS[-1] if RECENT_TIMINGS else {}
        for phase, seconds in timings.items():
            phases.setdefault(phase, []).append(seconds)
    figures = {"pitr_graded_s": round(statistics.median(totals), 3), "runs": float(runs)}
    figures.update({f"pitr_{p}_s": round(statistics.median(v), 3) for p, v in phases.items()})
    return figures


class OperationalEngine:
    """The Engine protocol for operational topologies only; labs.sandbox.postgres delegates here."""

    name = "postgres"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        return missing_operational_capabilities(spec)

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Any:
        return open_operational_attempt(spec, answer, deadline)


OPERATIONAL_ENGINE = OperationalEngine()
missing_capabilities = missing_operational_capabilities  # the name labs.sandbox.postgres looks up

__all__ = [
    "OPERATIONAL_ENGINE",
    "Cluster",
    "Instance",
    "OperationalAttempt",
    "RunbookError",
    "bench_pitr_graded",
    "ensure_template",
    "missing_operational_capabilities",
    "open_operational_attempt",
    "parse_scenario",
]
