"""A PgBouncer attempt: the learner's pooling settings under a load the platform drives.

1. A PostgreSQL primary (``Cluster``, in the attempt's box) with a small ``max_connections``;
   the platform creates the app's and the reports job's roles and the ``shop`` database, then
   runs the lab's ``setup.sql`` in it.
2. The baseline: the app's transactions on *direct* connections, with as many clients as the
   server can give the app while the reports job holds its connections (pgbench, a few
   seconds). This is the throughput the pooled run is compared with, measured on this machine
   right now, so a busy worker does not fail an answer.
3. PgBouncer 1.18 (``ServerProcess``, same box) with the learner's ``pgbouncer.ini`` settings
   plus the platform's listen socket, auth, log and ``query_wait_timeout``.
4. The load: the app (many more clients than ``max_connections`` allows, simple protocol,
   multi-statement transactions) and the reports job (a few clients, ``-M prepared``: named
   prepared statements) run at once through PgBouncer, while a platform thread samples
   ``pg_stat_activity`` for the server connections PgBouncer really holds.

The checks (``labs.checks.pgbouncer``) read ``attempt.notes``; nothing is judged from the text
except the connection budget, which the README defines from the settings themselves.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.engines.pgbouncer.answer import PoolerConfig, parse_answer, render_ini
from labs.engines.pgbouncer.pgbench import PgbenchRun, pgbench_argv, run_pgbench, run_together
from labs.engines.postgres.cluster import Cluster, Instance, children_of
from labs.engines.postgres.settings import PG_BIN
from labs.sandbox import base
from labs.sandbox.base import SandboxError
from labs.sandbox.process import ServerProcess, make_home, probe_unix

if TYPE_CHECKING:
    from labs.spec import LabSpec

PGBOUNCER = Path("/usr/sbin/pgbouncer")
PGBENCH = PG_BIN / "pgbench"
LISTEN_PORT = 6432  # inside the box's own network namespace: no clash with anything outside
SAMPLE_INTERVAL = 0.05
# The lab's shape; lab.toml's [engine_options] may change any of these.
DEFAULTS: dict[str, Any] = {
    "database": "shop",
    "app_user": "app",
    "report_user": "reporter",
    "app_alias": "shop",
    "reports_alias": "shop_reports",
    "max_connections": 20,
    "superuser_reserved_connections": 3,
    "app_clients": 50,
    "report_clients": 4,
    "report_rate": 40,  # transactions per second, all report clients together (pgbench -R)
    "baseline_clients": 13,
    "baseline_seconds": 2,
    "seconds": 3,
    "query_wait_timeout": 1,
    "app_script": "BEGIN;\nSELECT 1;\nEND;\n",
    "reports_script": "SELECT 1;\n",
}


def options(spec: LabSpec) -> dict[str, Any]:
    return {**DEFAULTS, **spec.engine_options}


@dataclass
class PoolerAttempt(Attempt):
    """The attempt the checks see: the learner's settings and what the platform observed."""

    config: PoolerConfig = field(default_factory=PoolerConfig)
    cluster: Cluster | None = None
    bouncer: ServerProcess | None = None

    @property
    def options(self) -> dict[str, Any]:
        return options(self.spec)

    def run(self, label: str) -> PgbenchRun | None:
        return self.notes.get(label)

    def limit_breach(self) -> str | None:
        box = self.cluster.sandbox.box if self.cluster else None
        return box.breach() if box is not None else None

    def abort(self) -> None:
        if self.bouncer is not None:
            self.bouncer.kill()
        if self.cluster is not None:
            self.cluster.kill_all()


def timed(attempt: PoolerAttempt, phase: str, started: float) -> None:
    attempt.notes.setdefault("timings", {})[phase] = round(time.monotonic() - started, 3)


@contextlib.contextmanager
def open_pooler_attempt(spec: LabSpec, answer: str, deadline: float) -> Iterator[PoolerAttempt]:
    config = parse_answer(answer)  # refused before any server starts
    opened = time.monotonic()
    with base.sandbox_dir("pgbouncer") as sandbox:
        cluster = Cluster(sandbox)
        attempt = PoolerAttempt(spec=spec, answer=answer, deadline=deadline, config=config, cluster=cluster)
        try:
            primary = prepare_server(attempt)
            timed(attempt, "server_ready", opened)
            home = make_home(sandbox, "pgbouncer")
            scripts = write_scripts(attempt, home)
            started = time.monotonic()
            attempt.notes["baseline"] = baseline(attempt, primary, home, scripts["app"])
            timed(attempt, "baseline", started)
            started = time.monotonic()
            attempt.bouncer = start_bouncer(attempt, primary, home)
            timed(attempt, "pgbouncer_ready", started)
            started = time.monotonic()
            pooled_load(attempt, primary, home, scripts)
            timed(attempt, "load", started)
            attempt.notes["refusals"] = refusals(primary)
            # The lab's limit is for the learner's work; every second here is the platform's.
            attempt.deadline += time.monotonic() - opened
            yield attempt
        finally:
            if attempt.bouncer is not None:
                attempt.bouncer.stop(grace=2.0)
            cluster.close()


def prepare_server(attempt: PoolerAttempt) -> Instance:
    opts, cluster = attempt.options, attempt.cluster
    assert cluster is not None
    primary = cluster.add_instance("primary")
    cluster.start(primary, {
        "max_connections": str(opts["max_connections"]),
        "superuser_reserved_connections": str(opts["superuser_reserved_connections"]),
    })  # fmt: skip
    try:
        with primary.connect() as conn:
            for role in (opts["app_user"], opts["report_user"]):
                conn.execute(f'CREATE ROLE "{role}" LOGIN')
            conn.execute(f'CREATE DATABASE "{opts["database"]}" OWNER "{opts["app_user"]}"')
        if attempt.spec.seed.strip():
            with primary.connect(opts["database"]) as conn:
                conn.execute(attempt.spec.seed)
    except psycopg.Error as exc:
        raise SandboxError(f"the lab's server could not be prepared: {exc}".strip()) from None
    return primary


def write_scripts(attempt: PoolerAttempt, home: Path) -> dict[str, Path]:
    scripts = {}
    for name in ("app", "reports"):
        path = home / f"{name}.pgbench"
        path.write_text(str(attempt.options[f"{name}_script"]))
        scripts[name] = path
    base.chown_to_sandbox_user(home)
    return scripts


def baseline(attempt: PoolerAttempt, primary: Instance, home: Path, script: Path) -> PgbenchRun:
    """The app's transactions on direct connections: the platform's own run, so a failure is ours."""
    opts = attempt.options
    clients, seconds = int(opts["baseline_clients"]), float(opts["baseline_seconds"])
    argv = pgbench_argv(PGBENCH, host=primary.socket_dir, port=primary.port, user=opts["app_user"],
                        dbname=opts["database"], script=script, clients=clients, seconds=seconds)
    assert attempt.cluster is not None
    run = run_pgbench(attempt.cluster.sandbox, "baseline", argv, clients, seconds, home, timeout=seconds + 30)
    if not run.clean or run.tps <= 0:
        raise SandboxError(f"the direct-connection baseline failed: {run.error_summary() or run.as_json()}")
    return run


def start_bouncer(attempt: PoolerAttempt, primary: Instance, home: Path) -> ServerProcess:
    assert attempt.cluster is not None
    socket_dir = home / "sock"
    socket_dir.mkdir(mode=0o700)
    users = (attempt.options["app_user"], attempt.options["report_user"])
    # auth_type=trust still wants every user listed in the auth file; the socket is the box's own.
    (home / "userlist.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    platform = {
        "listen_addr": "",
        "listen_port": str(LISTEN_PORT),
        "unix_socket_dir": str(socket_dir),
        "auth_type": "trust",
        "auth_file": str(home / "userlist.txt"),
        "query_wait_timeout": f"{attempt.options['query_wait_timeout']:g}",
        "log_connections": "0",  # keeps the log to what matters: errors and refusals
        "log_disconnections": "0",
    }
    ini = home / "pgbouncer.ini"
    ini.write_text(render_ini(attempt.config, str(primary.socket_dir), primary.port, platform))
    base.chown_to_sandbox_user(home)
    # No logfile: PgBouncer writes its log to stderr, which ServerProcess keeps in home/pgbouncer.log.
    bouncer = ServerProcess(name="pgbouncer", sandbox=attempt.cluster.sandbox, argv=[str(PGBOUNCER), str(ini)],
                            home=home, ready=probe_unix(socket_dir / f".s.PGSQL.{LISTEN_PORT}"))
    try:
        return bouncer.start(timeout=15.0)
    except SandboxError:
        log = bouncer.log_path.read_text(errors="replace") if bouncer.log_path.exists() else ""
        errors = [line.split(" ", 4)[-1] for line in log.splitlines() if " FATAL " in line or " ERROR " in line]
        if errors:  # PgBouncer refused the learner's settings: their verdict, not our fault
            raise AnswerRejected(
                "PgBouncer 1.18 refused to start with your settings: " + " | ".join(errors[-3:])
                + ". Fix that setting (see the README's list)."
            ) from None
        raise


def pooled_load(attempt: PoolerAttempt, primary: Instance, home: Path, scripts: dict[str, Path]) -> None:
    """The app and the reports job at once through PgBouncer, with the server's connections sampled."""
    opts, sandbox = attempt.options, attempt.cluster.sandbox  # type: ignore[union-attr]
    socket_dir = home / "sock"
    seconds = float(opts["seconds"])
    report_rate = int(opts["report_rate"])
    runs = {
        "app": (opts["app_user"], opts["app_alias"], scripts["app"], int(opts["app_clients"]), ()),
        "reports": (opts["report_user"], opts["reports_alias"], scripts["reports"], int(opts["report_clients"]),
                    ("-M", "prepared", "-R", str(report_rate))),
    }
    commands = {}
    for label, (user, alias, script, clients, extra) in runs.items():
        argv = pgbench_argv(PGBENCH, host=socket_dir, port=LISTEN_PORT, user=user, dbname=alias, script=script,
                            clients=clients, seconds=seconds, extra=extra)
        commands[label] = (argv, clients, seconds)
    with ConnectionSampler(primary, (opts["app_user"], opts["report_user"])) as sampler:
        try:
            results = run_together(sandbox, commands, home, timeout=seconds + 20)
        except subprocess.TimeoutExpired:
            raise LearnerTimeout(
                f"The load was still running {seconds + 20:g} s after it should have ended ({seconds:g} s): its "
                "clients were stuck waiting on PgBouncer. Check the pool modes and sizes."
            ) from None
        finally:
            attempt.notes["peak_connections"] = sampler.peaks
    attempt.notes.update(results)


class ConnectionSampler:
    """Counts, in a thread, the server connections each role holds at once, from the backends'
    process titles (``postgres: app shop [local] idle``). Not from pg_stat_activity: a sampling
    session would itself take one of the slots the pools compete for, even as a superuser
    (a non-superuser needs superuser_reserved_connections slots *free*)."""

    def __init__(self, primary: Instance, roles: tuple[str, ...]):
        self.primary, self.roles = primary, roles
        self.peaks: dict[str, int] = {role: 0 for role in roles} | {"total": 0}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pgbouncer-sampler", daemon=True)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.roles, 0)
        process = self.primary.process
        if process is None:
            return counts
        for pid in children_of(process.pid):
            with contextlib.suppress(OSError):
                words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
                if len(words) >= 2 and words[0] == "postgres:" and words[1] in counts:
                    counts[words[1]] += 1
        return counts

    def _run(self) -> None:
        while not self.stop_event.is_set():
            counts = self.counts()
            for role, count in counts.items():
                self.peaks[role] = max(self.peaks[role], count)
            self.peaks["total"] = max(self.peaks["total"], sum(counts.values()))
            self.stop_event.wait(SAMPLE_INTERVAL)

    def __enter__(self) -> ConnectionSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)


REFUSALS = ("too many clients", "remaining connection slots are reserved", "too many connections for role")


def refusals(primary: Instance) -> list[str]:
    """PostgreSQL's refusals of connections PgBouncer tried to open (its log holds one FATAL per
    refusal; PgBouncer's log repeats them): a pool that wants more than max_connections leaves."""
    return [
        " ".join(line.split("FATAL:", 1)[-1].split())
        for line in primary.log_tail(5000).splitlines()
        if "FATAL:" in line and any(marker in line for marker in REFUSALS)
    ]


def missing_capabilities(spec: LabSpec) -> dict[str, str]:
    missing = {}
    if not PGBOUNCER.is_file():
        missing["pgbouncer"] = f"{PGBOUNCER} is not installed (Debian package pgbouncer)"
    for tool in ("postgres", "initdb", "pgbench"):
        if not (PG_BIN / tool).is_file():
            missing["postgres"] = f"{PG_BIN / tool} is not installed (PostgreSQL 15 server binaries and pgbench)"
    return missing
