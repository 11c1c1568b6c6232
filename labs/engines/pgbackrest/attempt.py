"""A pgBackRest attempt: the learner's backups on a live primary, then the platform's restore.

1. A primary (pg_cluster's ``Cluster``, in the attempt's box) holds the lab's ``setup.sql`` and
   archives WAL with ``pgbackrest archive-push``; pgBackRest's repository, spool, locks and
   logs live in the sandbox, and the configuration file is the learner's plus our paths.
2. While a light write load runs (one small insert every ~40 ms), the learner's commands run
   in order as the box's account. A failing command is the learner's (AnswerRejected with
   pgBackRest's own error); the lab's time limit counts these commands only.
3. The platform notes the repository (``info --output=json``), writes rows, records a moment
   T between two batches, writes more, archives, then destroys the cluster (SIGKILL and the
   data directory gone) and restores with ``restore --type=time --target=T``.
4. "Next week and the week after": two more full backups with the learner's configuration,
   then the repository again, so retention is judged by what pgBackRest really kept.

The checks (labs.checks.pgbackrest) read ``attempt.notes``; nothing is judged from the text.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.engines.pgbackrest.answer import Command, Plan, parse_answer, render_config
from labs.sandbox import base
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_cluster import Cluster, Instance
from labs.sandbox.postgres import ADMIN_USER
from labs.sandbox.process import run_in_box

if TYPE_CHECKING:
    from labs.spec import LabSpec

PGBACKREST = "/usr/bin/pgbackrest"
DEFAULT_STANZA = "shop"
TICKS = "indexed_ticks"  # the platform's own table: the write load and the moments around T
PLATFORM_TIMEOUT = 60.0
LOAD_INTERVAL = 0.04
WAL_NAME = re.compile(r"^[0-9A-F]{24}$")
NEXT_FULLS = 2  # the platform's later full backups that make retention visible
PRIMARY_SETTINGS = {
    "archive_mode": "on",
    "max_wal_senders": "3",
    # A learner's backup without start-fast waits for a spread checkpoint; keep that bounded
    # (seconds, not the hour BASE_SETTINGS gives) so the lesson's point shows as a slow backup.
    "checkpoint_timeout": "30s",
}


@dataclass
class BackrestAttempt(Attempt):
    """The attempt the checks see: the restored server and what the platform observed."""

    cluster: Cluster | None = None
    plan: Plan = field(default_factory=Plan)
    stanza: str = DEFAULT_STANZA

    def server(self) -> Instance | None:
        return self.cluster.instances.get("primary") if self.cluster else None

    def connect(self) -> psycopg.Connection:
        server = self.server()
        if server is None or not server.running():
            raise SandboxError("the restored server is not running")
        return server.connect(timeout=max(1.0, min(5.0, self.remaining() or 5.0)))

    def limit_breach(self) -> str | None:
        box = self.cluster.sandbox.box if self.cluster else None
        return box.breach() if box is not None else None

    def abort(self) -> None:
        if self.cluster is not None:
            self.cluster.kill_all()


class Backrest:
    """pgBackRest for one attempt: its directories, configuration and commands, in the box."""

    def __init__(self, cluster: Cluster, stanza: str):
        self.cluster, self.stanza = cluster, stanza
        self.home = cluster.make_dir("pgbackrest")
        for name in ("repo", "spool", "lock", "log"):
            (self.home / name).mkdir(mode=0o700)
        base.chown_to_sandbox_user(self.home)
        self.config = self.home / "pgbackrest.conf"

    def write_config(self, plan: Plan, primary: Instance) -> None:
        platform_global = {
            "repo1-path": str(self.home / "repo"),
            "spool-path": str(self.home / "spool"),
            "lock-path": str(self.home / "lock"),
            "log-path": str(self.home / "log"),
            "log-level-file": plan.option("log-level-file", self.stanza) or "info",
        }
        platform_stanza = {
            "pg1-path": str(primary.data_dir),
            "pg1-socket-path": str(primary.socket_dir),
            "pg1-port": str(primary.port),
            "pg1-user": ADMIN_USER,
        }
        self.config.write_text(render_config(plan, self.stanza, platform_global, platform_stanza))
        base.chown_to_sandbox_user(self.config)

    def archive_command(self) -> str:
        return f"{PGBACKREST} --config={self.config} --stanza={self.stanza} archive-push %p"

    def run(self, argv: list[str], timeout: float) -> Any:
        command = [PGBACKREST, f"--config={self.config}", f"--stanza={self.stanza}", *argv]
        return run_in_box(self.cluster.sandbox, command, timeout=timeout, env={"HOME": str(self.home)})

    def info(self) -> list[dict[str, Any]]:
        done = self.run(["--output=json", "info"], timeout=PLATFORM_TIMEOUT)
        if done.returncode != 0:
            raise SandboxError(f"pgbackrest info failed: {error_lines(done)}")
        try:
            return json.loads(done.stdout)
        except ValueError:
            raise SandboxError(f"pgbackrest info printed no JSON: {done.stdout[:200]}") from None


def error_lines(done: Any) -> str:
    lines = [line.strip() for line in f"{done.stdout}\n{done.stderr}".splitlines() if "ERROR" in line]
    text = " | ".join(lines) or (done.stderr or done.stdout).strip()[-400:]
    return text[:800] or f"exit code {done.returncode}"


class WriteLoad:
    """One small insert every LOAD_INTERVAL seconds on the primary, in a thread, until stopped."""

    def __init__(self, primary: Instance):
        self.primary = primary
        self.stop_event = threading.Event()
        self.rows = 0
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, name="pgbackrest-load", daemon=True)

    def _run(self) -> None:
        try:
            with self.primary.connect() as conn:
                while not self.stop_event.wait(LOAD_INTERVAL):
                    conn.execute(f"INSERT INTO {TICKS} (phase) VALUES ('during')")
                    self.rows += 1
        except psycopg.Error as exc:
            self.error = str(exc).strip()

    def __enter__(self) -> WriteLoad:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)


def run_sql(instance: Instance, text: str, what: str) -> None:
    """A trusted script (the lab's setup.sql); errors are the lab's, so ours."""
    if not text.strip():
        return
    try:
        with instance.connect() as conn:
            conn.execute(text)
    except psycopg.Error as exc:
        raise SandboxError(f"{what} failed on {instance.name}: {exc}".strip()) from None


@contextlib.contextmanager
def open_backrest_attempt(spec: LabSpec, answer: str, deadline: float) -> Iterator[BackrestAttempt]:
    stanza = str(spec.engine_options.get("stanza", DEFAULT_STANZA))
    plan = parse_answer(answer, stanza)
    opened = time.monotonic()
    with base.sandbox_dir("pgbackrest") as sandbox:
        cluster = Cluster(sandbox)
        try:
            attempt = BackrestAttempt(spec=spec, answer=answer, deadline=deadline, cluster=cluster, plan=plan,
                                      stanza=stanza)
            prepare(attempt, opened)
            run_answer(attempt)
            platform_started = time.monotonic()
            restore_and_observe(attempt)
            # The learner's clock stops while the platform restores and takes its own backups.
            attempt.deadline += time.monotonic() - platform_started
            yield attempt
        finally:
            cluster.close()


def timed(attempt: BackrestAttempt, phase: str, started: float) -> None:
    attempt.notes.setdefault("timings", {})[phase] = round(time.monotonic() - started, 3)


def prepare(attempt: BackrestAttempt, opened: float) -> None:
    cluster = attempt.cluster
    assert cluster is not None
    primary = cluster.add_instance("primary")
    backrest = Backrest(cluster, attempt.stanza)
    attempt.notes["backrest"] = backrest
    backrest.write_config(attempt.plan, primary)
    cluster.start(primary, {**PRIMARY_SETTINGS, "archive_command": backrest.archive_command()})
    # start() picks the port; archive-push reads the file on every call, so rewriting it is enough
    backrest.write_config(attempt.plan, primary)
    run_sql(primary, attempt.spec.seed, "setup.sql")
    run_sql(
        primary,
        f"CREATE TABLE {TICKS} (id bigserial PRIMARY KEY, phase text NOT NULL, at timestamptz NOT NULL "
        "DEFAULT clock_timestamp())",
        "the platform's write-load table",
    )
    attempt.notes["seed_counts"] = table_counts(primary)
    timed(attempt, "cluster_ready", opened)
    attempt.deadline += time.monotonic() - opened  # the lab's limit measures the learner's commands


def table_counts(instance: Instance) -> dict[str, int]:
    with instance.connect() as conn:
        names = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND relname <> %s ORDER BY relname", [TICKS]).fetchall()]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def run_answer(attempt: BackrestAttempt) -> None:
    backrest: Backrest = attempt.notes["backrest"]
    started = time.monotonic()
    log: list[dict[str, Any]] = attempt.notes.setdefault("commands", [])
    with WriteLoad(attempt.server()) as load:  # type: ignore[arg-type]
        for command in attempt.plan.commands:
            log.append(run_learner_command(attempt, backrest, command))
    attempt.notes["load_rows"] = load.rows
    if load.error:
        raise SandboxError(f"the platform's write load failed: {load.error}")
    timed(attempt, "answer", started)


def run_learner_command(attempt: BackrestAttempt, backrest: Backrest, command: Command) -> dict[str, Any]:
    remaining = attempt.remaining()
    if remaining <= 0:
        raise LearnerTimeout(
            f"{command.describe()} did not start: your commands used the lab's limit of {attempt.spec.time_limit:g} s. "
            "A backup waits for a checkpoint: start-fast=y asks for an immediate one."
        )
    started = time.monotonic()
    try:
        done = backrest.run([*command.argv_options(), command.name], timeout=remaining)
    except subprocess.TimeoutExpired:
        raise LearnerTimeout(
            f"{command.describe()} was still running at the lab's limit of {attempt.spec.time_limit:g} s. "
            "A backup without start-fast waits for a spread checkpoint; start-fast=y asks for an immediate one."
        ) from None
    if done.returncode != 0:
        raise AnswerRejected(
            f"{command.describe()} failed (exit code {done.returncode}): {error_lines(done)}. "
            "The platform runs your commands in order on a live primary; fix that command or what it depends on "
            "(a stanza must be created before it is checked or backed up)."
        )
    warnings = [line.strip() for line in f"{done.stdout}\n{done.stderr}".splitlines() if "WARN:" in line]
    return {"line": command.line, "command": command.name, "seconds": round(time.monotonic() - started, 2),
            "warnings": warnings[:5]}


def restore_and_observe(attempt: BackrestAttempt) -> None:
    backrest: Backrest = attempt.notes["backrest"]
    cluster, primary = attempt.cluster, attempt.server()
    assert cluster is not None and primary is not None
    attempt.notes["info_after_answer"] = backrest.info()
    started = time.monotonic()
    with primary.connect() as conn:
        for _ in range(20):
            conn.execute(f"INSERT INTO {TICKS} (phase) VALUES ('before')")
        time.sleep(0.15)
        target = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        time.sleep(0.15)
        for _ in range(20):
            conn.execute(f"INSERT INTO {TICKS} (phase) VALUES ('after')")
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        expected = dict(conn.execute(f"SELECT phase, count(*) FROM {TICKS} GROUP BY phase").fetchall())
        archived = wait_archived(conn, segment)
    # pgBackRest reads "YYYY-MM-DD HH:MM:SS.ffffff+00" (the servers run in UTC)
    target_text = target.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    attempt.notes.update(target_time=target_text, expected_ticks=expected, archived_before_destroy=archived)
    # Destroy: the server dies without a shutdown checkpoint and its data directory is gone.
    cluster.kill(primary)
    cluster.forget(primary)
    shutil.rmtree(primary.data_dir)
    primary.data_dir.mkdir(mode=0o700)
    base.chown_to_sandbox_user(primary.data_dir)
    attempt.notes["restore"] = restore(attempt, backrest, primary, target_text)
    timed(attempt, "restore", started)
    started = time.monotonic()
    attempt.notes["next_fulls"] = next_fulls(attempt, backrest)
    try:
        attempt.notes["info_after_retention"] = backrest.info()
    except SandboxError as exc:
        attempt.notes["info_after_retention_error"] = str(exc)
    # info shows the archive's first and last segment only; a too-low repo1-retention-archive
    # leaves a gap between them, so the checks also see which segments the repository holds.
    archive = backrest.home / "repo" / "archive" / attempt.stanza
    attempt.notes["archived_segments"] = sorted(
        {path.name[:24] for path in archive.glob("*/*/*") if WAL_NAME.match(path.name[:24])}
    )
    with contextlib.suppress(psycopg.Error, SandboxError), attempt.connect() as conn:
        attempt.notes["wal_segment_size"] = int(
            conn.execute("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'").fetchone()[0]
        )
    timed(attempt, "retention", started)


def wait_archived(conn: psycopg.Connection, segment: str, timeout: float = 20.0) -> bool:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        last = conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0]
        if last is not None and last >= segment:
            return True
        time.sleep(0.05)
    return False


def restore(attempt: BackrestAttempt, backrest: Backrest, primary: Instance, target: str) -> dict[str, Any]:
    """pgbackrest restore --type=time, then start the server and wait until it is promoted.
    Failures are outcomes (the learner's backups or archive could not serve the restore)."""
    cluster = attempt.cluster
    assert cluster is not None
    started = time.monotonic()
    done = backrest.run(
        ["--type=time", f"--target={target}", "--target-action=promote", "restore"], timeout=PLATFORM_TIMEOUT
    )
    outcome: dict[str, Any] = {"target": target, "restore_seconds": round(time.monotonic() - started, 2)}
    if done.returncode != 0:
        outcome["error"] = f"pgbackrest restore failed: {error_lines(done)}"
        return outcome
    cluster.launch(primary, {**PRIMARY_SETTINGS, "archive_command": backrest.archive_command()})
    backrest.write_config(attempt.plan, primary)  # launch() chose a new port
    until = time.monotonic() + PLATFORM_TIMEOUT
    while time.monotonic() < until:
        if not primary.running():
            cluster.forget(primary)
            fatal = "; ".join(line.split("FATAL:", 1)[-1].strip() for line in primary.fatal_lines()[-2:])
            outcome["error"] = f"the restored server stopped during recovery: {fatal or primary.log_tail(3)}"
            return outcome
        with contextlib.suppress(psycopg.Error), primary.connect(timeout=1) as conn:
            if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                outcome["seconds_to_promoted"] = round(time.monotonic() - started, 2)
                return outcome
        time.sleep(0.05)
    outcome["error"] = f"the restored server was still recovering after {PLATFORM_TIMEOUT:g} s"
    return outcome


def next_fulls(attempt: BackrestAttempt, backrest: Backrest) -> list[dict[str, Any]]:
    """The platform's later full backups, with the learner's configuration (expire runs after each)."""
    runs = []
    if attempt.notes["restore"].get("error"):
        return runs
    for _ in range(NEXT_FULLS):
        # A week of writes between fulls: WAL that only a continuous archive keeps.
        with attempt.connect() as conn:
            for _ in range(5):
                conn.execute(f"INSERT INTO {TICKS} (phase) VALUES ('later')")
                conn.execute("SELECT pg_switch_wal()")
        done = backrest.run(["--type=full", "backup"], timeout=PLATFORM_TIMEOUT)
        runs.append({"ok": done.returncode == 0, "error": "" if done.returncode == 0 else error_lines(done)})
        if done.returncode != 0:
            break
    return runs


def missing_capabilities(spec: LabSpec) -> dict[str, str]:
    from labs.sandbox.pg_cluster import PG_BIN

    missing = {}
    if not Path(PGBACKREST).is_file():
        missing["pgbackrest"] = f"{PGBACKREST} is not installed (Debian package pgbackrest)"
    for tool in ("postgres", "initdb"):
        if not (PG_BIN / tool).is_file():
            missing["postgres"] = f"{PG_BIN / tool} is not installed (PostgreSQL 15 server binaries)"
    return missing
