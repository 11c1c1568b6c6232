"""The ``replication`` topology: a MariaDB primary and a replica in one box, binlog replication.

Both ``mariadbd`` run in the same box (one network namespace, one cgroup) and listen on its
own loopback: the primary on 127.0.0.1:3306, the replica on 127.0.0.1:3307 (the namespace is
the attempt's alone, so the ports never collide). The grader talks to both over their Unix
sockets.

Before the learner's answer runs, the platform

1. seeds the primary's ``shop`` database from ``setup.sql`` (binary log on, GTIDs in domain 0,
   ``server_id`` 1) and adds the ``heartbeat`` table it writes to later;
2. provisions the replica the way a DBA would: ``mariadb-dump --single-transaction --gtid
   --master-data=2`` of ``shop`` loaded into it, and the dump's position (GTID and binlog
   coordinates) stored in ``provision.backup_position`` on the replica;
3. keeps the primary busy: more rows and counter increments after the dump, which a replica
   started from the wrong position loses (or applies twice).

The answer is SQL in sections: a line ``-- @primary`` or ``-- @replica`` says where the
statements below it run, as the ``learner`` account of that server. That account may create
accounts and grant ``REPLICATION SLAVE`` on the primary, and run ``CHANGE MASTER``, ``START
SLAVE`` and set ``gtid_slave_pos`` on the replica (``REPLICATION SLAVE ADMIN``); nothing else
server-wide (no SUPER, FILE, or other SET GLOBAL).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pymysql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout, PlatformClock
from labs.engines.mariadb.server import LEARNER, READY_TIMEOUT, MariaServer, prepare_server
from labs.engines.mariadb.sql import ScriptError, Statement, describe_error, find_forbidden, split_statements
from labs.sandbox import base
from labs.sandbox.base import SandboxError
from labs.sandbox.box import Limits

if TYPE_CHECKING:
    from labs.spec import LabSpec

DATABASE = "shop"
PRIMARY_PORT, REPLICA_PORT = 3306, 3307
SERVERS = ("primary", "replica")
DUMP = "/usr/bin/mariadb-dump"
CLIENT = "/usr/bin/mariadb"
# The sandbox default innodb-flush-log-at-trx-commit=0 writes the redo log once a second, so a
# SIGKILL would lose the last second of commits; the checks kill servers, so write at every
# commit (=2: to the OS, which survives a killed process; no fsync, the data is disposable).
PRIMARY_OPTIONS = (
    "--log-bin=primary-bin", "--server-id=1", "--binlog-format=ROW", "--gtid-domain-id=0",
    "--innodb-flush-log-at-trx-commit=2",
)  # fmt: skip
# No read_only: it would refuse SET GLOBAL gtid_slave_pos too; the learner account may only read
# the replica's tables anyway. The replica logs what it applies, as a promotable replica does.
REPLICA_OPTIONS = (
    "--log-bin=replica-bin", "--server-id=2", "--binlog-format=ROW", "--relay-log=replica-relay",
    "--log-slave-updates=ON", "--slave-net-timeout=5", "--innodb-flush-log-at-trx-commit=2",
)  # fmt: skip
LEARNER_GRANTS = {
    "primary": (
        "GRANT CREATE USER, REPLICATION SLAVE ON *.* TO learner@localhost WITH GRANT OPTION",
        "GRANT BINLOG MONITOR ON *.* TO learner@localhost",
        f"GRANT SELECT ON `{DATABASE}`.* TO learner@localhost",
    ),
    "replica": (
        # RELOAD: RESET SLAVE needs it; in a box of its own it only flushes this server's caches.
        "GRANT REPLICATION SLAVE ADMIN, REPLICA MONITOR, BINLOG MONITOR, RELOAD ON *.* TO learner@localhost",
        f"GRANT SELECT ON `{DATABASE}`.* TO learner@localhost",
        "GRANT SELECT ON provision.* TO learner@localhost",
    ),
}
HEARTBEAT = (
    f"CREATE TABLE {DATABASE}.heartbeat (id INT PRIMARY KEY, token VARCHAR(32) NOT NULL, "
    "beats INT NOT NULL DEFAULT 0, written_at DATETIME(6) NOT NULL DEFAULT NOW(6))"
)
AFTER_DUMP_ROWS = 5  # heartbeat rows written after the dump: a replica that skips them loses them
SECTION = re.compile(r"^[ \t]*--[ \t]*@(\w+)[ \t]*$", re.M)
PLATFORM_ALLOWANCE = 90.0


@dataclass
class Section:
    server: str
    statements: list[Statement]
    line: int


def split_sections(answer: str) -> list[Section]:
    """The answer's ``-- @primary`` / ``-- @replica`` sections in order, statements split."""
    marks = list(SECTION.finditer(answer))
    problems = []
    lead = answer[: marks[0].start()] if marks else answer
    try:
        if split_statements(lead):
            problems.append(
                "The answer starts with statements before any '-- @primary' or '-- @replica' line, so "
                "we cannot tell which server they are for."
            )
    except ScriptError as exc:
        raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from None
    sections = []
    for i, mark in enumerate(marks):
        name = mark.group(1).lower()
        line = answer.count("\n", 0, mark.start()) + 1
        if name not in SERVERS:
            problems.append(f"Line {line}: '-- @{mark.group(1)}' names no server; write -- @primary or -- @replica.")
            continue
        body = answer[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(answer)]
        try:
            statements = split_statements(body)
        except ScriptError as exc:
            raise AnswerRejected(f"In the section at line {line}: {exc.message} {exc.hint}".strip()) from None
        sections.append(Section(name, statements, line))
    if not marks:
        problems.append("The answer has no '-- @primary' or '-- @replica' line.")
    if problems:
        raise AnswerRejected(
            " ".join(problems) + " Put '-- @primary' on a line of its own above the statements for the primary, "
            "and '-- @replica' above those for the replica."
        )
    for section in sections:
        forbidden = find_forbidden(section.statements, operations=True)
        if forbidden:
            raise AnswerRejected(f"On the {section.server}: {forbidden}")
    return sections


@dataclass
class Backup:
    gtid: str
    binlog_file: str
    binlog_pos: int


class ReplicationAttempt(PlatformClock, Attempt):
    """What the replication checks receive: both servers and what the platform wrote."""

    platform_allowance = PLATFORM_ALLOWANCE

    def __init__(self, spec: LabSpec, answer: str, deadline: float):
        self.start_clock(deadline)
        super().__init__(spec=spec, answer=answer, deadline=deadline)
        self.sandbox: base.SandboxDir | None = None
        self.servers: dict[str, MariaServer] = {}
        self.backup: Backup | None = None
        self.beats = 0  # heartbeat rows the platform wrote on the primary so far

    def limit_breach(self) -> str | None:
        box = self.sandbox.box if self.sandbox is not None else None
        return box.breach() if box is not None else None

    def server(self, name: str) -> MariaServer:
        return self.servers[name]

    def admin(self, name: str) -> pymysql.Connection:
        return self.servers[name].connect(database=None, read_timeout=30)

    def query(self, name: str, sql: str, args: object = None) -> list[dict[str, Any]]:
        conn = self.servers[name].connect(cursorclass=pymysql.cursors.DictCursor, read_timeout=30)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def beat(self, count: int = 1) -> None:
        """Write on the primary as the shop would: new heartbeat rows and an increment of row 1."""
        conn = self.admin("primary")
        try:
            with conn.cursor() as cur:
                for _ in range(count):
                    self.beats += 1
                    cur.execute(
                        f"INSERT INTO {DATABASE}.heartbeat (id, token) VALUES (%s, %s)",
                        (self.beats + 1, f"beat-{self.beats}"),
                    )
                    cur.execute(f"UPDATE {DATABASE}.heartbeat SET beats = beats + 1 WHERE id = 1")
        finally:
            conn.close()

    # -- the topology's life

    def start(self) -> None:
        self.sandbox = base.make_sandbox_dir("mariadb-repl", limits=Limits.from_env(memory_bytes=1024 << 20))
        if self.sandbox.box is None:
            raise SandboxError(
                "the replication topology needs a box (its own network namespace) so the primary can listen "
                "on 127.0.0.1:3306; this installation runs with INDEXED_BOX=off"
            )
        for name, port, options in (("primary", PRIMARY_PORT, PRIMARY_OPTIONS), ("replica", REPLICA_PORT,
                                                                                  REPLICA_OPTIONS)):  # fmt: skip
            self.servers[name] = prepare_server(self.sandbox, name, port=port, options=options)
        for server in self.servers.values():
            server.process.spawn()
        for server in self.servers.values():
            server.process.wait_ready(READY_TIMEOUT)

    def seed(self) -> None:
        primary, replica = self.servers["primary"], self.servers["replica"]
        primary.execute(f"CREATE DATABASE {DATABASE}")
        try:
            statements = split_statements(self.spec.seed)
        except ScriptError as exc:
            raise SandboxError(f"setup.sql of lab {self.spec.id} cannot be split: {exc.message}") from None
        conn = primary.connect(database=DATABASE, read_timeout=60)
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement.text)
                cur.execute(HEARTBEAT)
                cur.execute(f"INSERT INTO {DATABASE}.heartbeat (id, token) VALUES (1, 'counter')")
        finally:
            conn.close()
        self.backup = self._provision_replica(primary, replica)
        self.beat(AFTER_DUMP_ROWS)
        for name, grants in LEARNER_GRANTS.items():
            for grant in grants:
                self.servers[name].execute(grant)

    def _provision_replica(self, primary: MariaServer, replica: MariaServer) -> Backup:
        env = {"MYSQL_PWD": primary.accounts["admin"], "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
        dumped = subprocess.run(
            [DUMP, "--no-defaults", f"--socket={primary.socket_path}", "-uroot", "--single-transaction", "--gtid",
             "--master-data=2", "--databases", DATABASE],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        if dumped.returncode:
            raise SandboxError(f"mariadb-dump of the primary failed: {dumped.stderr.strip()[-500:]}")
        gtid = re.search(r"gtid_slave_pos\s*=\s*'([^']*)'", dumped.stdout)
        coords = re.search(r"MASTER_LOG_FILE\s*=\s*'([^']+)',\s*MASTER_LOG_POS\s*=\s*(\d+)", dumped.stdout)
        if not gtid or not coords:
            raise SandboxError("mariadb-dump wrote no GTID or binlog position in its header")
        backup = Backup(gtid.group(1), coords.group(1), int(coords.group(2)))
        env["MYSQL_PWD"] = replica.accounts["admin"]
        # Restored with sql_log_bin=0, as a DBA restores a replica: the dump's rows are not the
        # replica's own transactions, so its binary log (and gtid_current_pos) stays empty.
        loaded = subprocess.run(
            [CLIENT, "--no-defaults", f"--socket={replica.socket_path}", "-uroot", "--init-command=SET sql_log_bin=0"],
            input=dumped.stdout, capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        if loaded.returncode:
            raise SandboxError(f"loading the dump into the replica failed: {loaded.stderr.strip()[-500:]}")
        conn = replica.connect(read_timeout=30)
        try:
            with conn.cursor() as cur:
                cur.execute("SET SESSION sql_log_bin = 0")
                cur.execute("CREATE DATABASE provision")
                cur.execute(
                    "CREATE TABLE provision.backup_position (taken_with VARCHAR(200) NOT NULL, gtid_pos "
                    "VARCHAR(200) NOT NULL, binlog_file VARCHAR(100) NOT NULL, binlog_pos BIGINT NOT NULL)"
                )
                cur.execute(
                    "INSERT INTO provision.backup_position VALUES (%s, %s, %s, %s)",
                    ("mariadb-dump --single-transaction --gtid --master-data=2", backup.gtid, backup.binlog_file,
                     backup.binlog_pos),
                )  # fmt: skip
        finally:
            conn.close()
        return backup

    def run_answer(self, sections: list[Section]) -> None:
        for section in sections:
            server = self.servers[section.server]
            seconds = max(0.05, self.remaining())
            try:
                conn = server.connect(
                    LEARNER, None, init_command=f"SET SESSION max_statement_time = {seconds:.3f}",
                    read_timeout=int(seconds) + 5,
                )  # fmt: skip
            except pymysql.MySQLError as exc:
                raise SandboxError(f"cannot connect to the {section.server} as the learner: {exc}") from exc
            try:
                with conn.cursor() as cur:
                    for statement in section.statements:
                        self._run(cur, section, statement)
            finally:
                conn.close()

    def _run(self, cur: pymysql.cursors.Cursor, section: Section, statement: Statement) -> None:
        if time.monotonic() >= self.deadline:
            raise LearnerTimeout(self.timeout_message())
        try:
            cur.execute(statement.text)
            while cur.nextset():
                pass
        except pymysql.MySQLError as exc:
            number, message, hint = describe_error(exc)
            if number in (1969, 3024) or time.monotonic() >= self.deadline:
                raise LearnerTimeout(self.timeout_message()) from exc
            if not self.servers[section.server].alive():
                tail = self.servers[section.server].process.log_tail(5)
                raise SandboxError(f"the {section.server} stopped: {tail}") from exc
            hint = REPLICATION_HINTS.get(number, hint)
            raise AnswerRejected(
                f"On the {section.server} (section at line {section.line}), statement {statement.index} "
                f"({statement.short(70)}) failed: MariaDB error {number}: {message}. {hint}".strip()
            ) from None

    def timeout_message(self) -> str:
        return (
            f"Your answer ran past this lab's limit of {self.spec.time_limit:g} s and was stopped. A "
            "MASTER_GTID_WAIT() or SLEEP() with a long timeout is the usual cause: give it a few seconds at most."
        )

    def restart(self, name: str, crash: bool = True) -> float:
        """Stop ``name`` (SIGKILL when ``crash``, as a power cut would) and start it again with the
        same data and options; returns the seconds until it accepted connections again."""
        server = self.servers[name]
        if crash:
            server.process.kill()
        else:
            server.process.stop(grace=10)
        started = time.monotonic()
        server.process.start(timeout=READY_TIMEOUT)
        return time.monotonic() - started

    def abort(self) -> None:
        """The runner gave up on this grade: stop both servers now."""
        self.close()

    def close(self) -> None:
        for server in self.servers.values():
            with contextlib.suppress(Exception):
                server.process.stop(grace=3.0)
        if self.sandbox is not None:
            base.remove_sandbox_dir(self.sandbox)
            self.sandbox = None


REPLICATION_HINTS = {
    1045: "The learner account may create the replication account, grant it REPLICATION SLAVE, and "
    "set up replication on the replica; nothing more.",
    1227: "The learner account may grant REPLICATION SLAVE on the primary and run CHANGE MASTER, START SLAVE "
    "and SET GLOBAL gtid_slave_pos on the replica; other server settings belong to the platform.",
    1396: "An account of that name and host already exists (or does not).",
    1198: "Stop the replica's threads (STOP SLAVE) before CHANGE MASTER or SET GLOBAL gtid_slave_pos.",
    1948: "gtid_slave_pos must list GTIDs as domain-server-sequence, such as 0-1-42.",
}


@contextlib.contextmanager
def open_replication_attempt(spec: LabSpec, answer: str, deadline: float):  # type: ignore[no-untyped-def]
    sections = split_sections(answer)
    attempt = ReplicationAttempt(spec=spec, answer=answer, deadline=deadline)
    try:
        with attempt.platform_work():
            attempt.start()
            attempt.seed()
        attempt.run_answer(sections)
        yield attempt
    finally:
        attempt.close()
