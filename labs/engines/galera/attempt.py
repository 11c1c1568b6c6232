"""One answer against a fresh three-node Galera cluster: seed, the learner's setup, the
platform's concurrent writers, and the learner's steps after losing two nodes."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pymysql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout, PlatformClock
from labs.engines.galera.answer import AdminSet, GaleraAnswer, parse_answer
from labs.engines.galera.cluster import GaleraCluster, start_cluster
from labs.engines.mariadb.server import LEARNER
from labs.engines.mariadb.sql import Statement, describe_error, split_statements
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.spec import LabSpec

DATABASE = "loyalty"
LEARNER_GRANTS = (
    f"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ROUTINE, ALTER ROUTINE, EXECUTE, INDEX, "
    f"CREATE TEMPORARY TABLES ON `{DATABASE}`.* TO {LEARNER}@localhost"
)
PLATFORM_ALLOWANCE = 120.0
CALL_LIMIT_S = 5.0  # max_statement_time of one writer statement: a retry loop must end
WRITERS_BUDGET_S = 12.0  # default for all writers' calls; what is left after it counts as failed
LEFT_OPEN, OUT_OF_TIME = "left_open", "out_of_time"  # tally error keys that are not MariaDB errors


@dataclass
class WriterTally:
    node: str
    ok: int = 0
    failed: int = 0
    added: int = 0  # points the acknowledged calls added
    errors: Counter = field(default_factory=Counter)  # MariaDB error number (or LEFT_OPEN ...) -> count
    first_error: str = ""


class GaleraAttempt(PlatformClock, Attempt):
    platform_allowance = PLATFORM_ALLOWANCE

    def __init__(self, spec: LabSpec, answer: str, deadline: float, parsed: GaleraAnswer):
        self.start_clock(deadline)
        super().__init__(spec=spec, answer=answer, deadline=deadline)
        self.parsed = parsed
        self.cluster: GaleraCluster | None = None
        self._stop_writers_at = 0.0
        self._budget = WRITERS_BUDGET_S

    def limit_breach(self) -> str | None:
        box = self.cluster.sandbox.box if self.cluster is not None else None
        return box.breach() if box is not None else None

    # -- connections

    def admin(self, node: str) -> pymysql.Connection:
        assert self.cluster is not None
        return self.cluster.nodes[node].connect(database=DATABASE, read_timeout=30)

    def learner(self, node: str, seconds: float | None = None) -> pymysql.Connection:
        assert self.cluster is not None
        limit = seconds if seconds is not None else max(0.05, self.remaining())
        return self.cluster.nodes[node].connect(
            LEARNER, DATABASE, init_command=f"SET SESSION max_statement_time = {limit:.3f}",
            read_timeout=int(limit) + 10,
        )  # fmt: skip

    def value(self, node: str, account: int = 1) -> int | None:
        """Points of ``account`` as ``node`` sees them once it applied everything it received."""
        conn = self.admin(node)
        try:
            with conn.cursor() as cur:
                cur.execute("SET SESSION wsrep_sync_wait = 1")
                cur.execute("SELECT points FROM accounts WHERE id = %s", (account,))
                row = cur.fetchone()
                return int(row[0]) if row else None
        finally:
            conn.close()

    # -- the attempt's life

    def start(self) -> None:
        with self.platform_work():
            self.cluster = start_cluster()
            self.notes["timings"] = dict(self.cluster.timings)
            node1 = self.cluster.nodes["node1"]
            node1.execute(f"CREATE DATABASE {DATABASE}")
            conn = node1.connect(database=DATABASE, read_timeout=60)
            try:
                with conn.cursor() as cur:
                    for statement in split_statements(self.spec.seed):
                        cur.execute(statement.text)
                    cur.execute(LEARNER_GRANTS)
            finally:
                conn.close()
        self.run_learner("node1", self.parsed.setup, "setup")

    def run_learner(self, node: str, statements: list[Statement], section: str) -> list[Any]:
        """Run a section as the learner; an error is the answer's (a rejected verdict)."""
        outputs: list[Any] = []
        if not statements:
            return outputs
        conn = self.learner(node)
        try:
            with conn.cursor() as cur:
                for statement in statements:
                    if time.monotonic() >= self.deadline:
                        raise LearnerTimeout(self.timeout_message())
                    try:
                        cur.execute(statement.text)
                        outputs.append(cur.fetchall() if cur.description else cur.rowcount)
                        while cur.nextset():
                            pass
                    except pymysql.MySQLError as exc:
                        number, message, hint = describe_error(exc)
                        if number in (1969, 3024):
                            raise LearnerTimeout(self.timeout_message()) from exc
                        raise AnswerRejected(
                            f"In the -- @{section} section on {node}, statement {statement.index} "
                            f"({statement.short(60)}) failed: MariaDB error {number}: {message}. {hint}".strip()
                        ) from None
        finally:
            conn.close()
        return outputs

    def run_recovery(self) -> list[str]:
        """The -- @lost_two_nodes steps on node1; what each did, for the check's story."""
        done: list[str] = []
        assert self.cluster is not None
        for step in self.parsed.recovery:
            if isinstance(step, AdminSet):
                sql, args = step.sql()
                try:
                    self.cluster.nodes["node1"].execute(sql, args or None)
                    done.append(f"SET GLOBAL {step.variable} = {step.value!r}")
                except pymysql.MySQLError as exc:
                    number, message, _ = describe_error(exc)
                    done.append(f"SET GLOBAL {step.variable} = {step.value!r} failed ({number}: {message})")
            else:
                try:
                    self.run_learner("node1", [step], "lost_two_nodes")
                    done.append(step.short(50))
                except AnswerRejected as exc:  # a read on a node without quorum may fail; say so
                    done.append(str(exc).split(" failed: ", 1)[-1])
        return done

    def abort(self) -> None:
        """The runner gave up on this grade: stop the cluster now (the writers' sessions die with it)."""
        if self.cluster is not None:
            self.cluster.stop()

    def timeout_message(self) -> str:
        return (
            f"Your answer ran past this lab's limit of {self.spec.time_limit:g} s and was stopped: look for a retry "
            "loop without an end or a long SLEEP()."
        )

    # -- the platform's writers

    def drive_writers(
        self,
        nodes: tuple[str, ...],
        writers_per_node: int,
        calls: int,
        account: int,
        seed: int = 7,
        budget: float = WRITERS_BUDGET_S,
    ) -> list[WriterTally]:
        """Writers on ``nodes`` run the learner's increment ``calls`` times each, all at once."""
        tallies = [WriterTally(node) for node in nodes for _ in range(writers_per_node)]
        start = threading.Barrier(len(tallies))
        self._budget = budget
        self._stop_writers_at = time.monotonic() + budget + 30  # reset once all are connected
        threads = [
            threading.Thread(target=self._write, args=(t, calls, account, random.Random(seed + i), start), daemon=True)
            for i, t in enumerate(tallies)
        ]
        with self.platform_work():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=budget + CALL_LIMIT_S + 40)
        if any(thread.is_alive() for thread in threads):
            raise LearnerTimeout(self.timeout_message())
        return tallies

    def _write(
        self, tally: WriterTally, calls: int, account: int, rng: random.Random, start: threading.Barrier
    ) -> None:
        try:
            conn = self.learner(tally.node, seconds=CALL_LIMIT_S)
        except pymysql.MySQLError as exc:
            tally.failed, tally.first_error = calls, f"could not connect: {exc}"
            return
        with contextlib.suppress(threading.BrokenBarrierError):
            if start.wait(timeout=30) == 0:
                self._stop_writers_at = time.monotonic() + self._budget
        try:
            with conn.cursor() as cur:
                for done in range(calls):
                    if time.monotonic() >= self._stop_writers_at:
                        tally.failed += calls - done
                        tally.errors[OUT_OF_TIME] += calls - done
                        tally.first_error = tally.first_error or (
                            f"the purchases ran out of the {self._budget:g} s they have ({done} of {calls} "
                            "done by this writer): a retry loop that never gives up, or a long pause"
                        )
                        return
                    amount = rng.randint(1, 3)
                    try:
                        cur.execute("SET @account = %s, @amount = %s", (account, amount))
                        for statement in self.parsed.increment:
                            cur.execute(statement.text)
                            while cur.nextset():
                                pass
                        if _in_transaction(conn):  # the app disconnects: the purchase never committed
                            conn.rollback()
                            tally.failed += 1
                            tally.errors[LEFT_OPEN] += 1
                            tally.first_error = tally.first_error or "the increment left its transaction open"
                            continue
                        tally.ok += 1
                        tally.added += amount
                    except pymysql.MySQLError as exc:
                        number, message, _ = describe_error(exc)
                        tally.failed += 1
                        tally.errors[number] += 1
                        tally.first_error = tally.first_error or f"MariaDB error {number}: {message}"
                        with contextlib.suppress(pymysql.MySQLError):
                            conn.rollback()
                    time.sleep(rng.random() * 0.003)
        finally:
            conn.close()


def _in_transaction(conn: pymysql.Connection) -> bool:
    return bool(conn.server_status & 1)  # SERVER_STATUS_IN_TRANS


@contextlib.contextmanager
def open_galera_attempt(spec: LabSpec, answer: str, deadline: float) -> Iterator[GaleraAttempt]:
    parsed = parse_answer(answer)
    attempt = GaleraAttempt(spec, answer, deadline, parsed)
    try:
        attempt.start()
        yield attempt
    except pymysql.MySQLError as exc:
        raise SandboxError(f"the Galera sandbox failed: {exc}") from exc
    finally:
        if attempt.cluster is not None:
            attempt.cluster.stop()
