"""The MariaDB engine: Debian's ``mariadbd`` in a box per server, warm pool, attempts that
clone a per-lab database. ``ENGINE`` follows ``labs.sandbox.Engine``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pymysql

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.engines.mariadb.attempt import VISIBLE, MariaAttempt, lab_options
from labs.engines.mariadb.server import POOL, find_missing_binaries
from labs.engines.mariadb.sql import ScriptError, find_forbidden, split_statements
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from labs.spec import LabSpec


class MariaDBEngine:
    name = "mariadb"
    capabilities = ("sql", "explain", "transactions", "innodb")

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        missing: dict[str, str] = {}
        binaries = find_missing_binaries()
        if binaries:
            missing["mariadb"] = binaries
        for capability in spec.requires:
            if capability not in self.capabilities:
                missing[capability] = f"the MariaDB sandbox does not provide {capability!r}"
        return missing

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[Attempt]:
        return self._open(spec, answer, deadline)

    @contextlib.contextmanager
    def _open(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[Attempt]:
        if spec.topology == "replication":  # a primary and a replica of their own, no pool
            from labs.engines.mariadb.replication import open_replication_attempt

            with open_replication_attempt(spec, answer, deadline) as attempt:
                yield attempt
            return
        limit = int(lab_options(spec)["max_answer_bytes"])
        if len(answer.encode("utf-8", "replace")) > limit:
            raise AnswerRejected(
                f"Your answer is longer than {limit // 1000} kB; a lab answer is a few statements. "
                "Remove generated data or pasted output."
            )
        try:
            statements = split_statements(answer)
        except ScriptError as exc:
            raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from exc
        forbidden = find_forbidden(statements)
        if forbidden:
            raise AnswerRejected(forbidden)
        paused_from = time.monotonic()
        server = POOL.acquire()
        attempt = MariaAttempt(spec, answer, deadline, server)
        attempt.count_as_platform_time(paused_from)
        attempt._statements = statements
        try:
            attempt.database(VISIBLE)
            attempt.start_watchdog()
            yield attempt
        except pymysql.MySQLError as exc:
            attempt.healthy = False
            if attempt.timed_out:
                raise LearnerTimeout(attempt.timeout_message()) from exc
            raise SandboxError(f"the MariaDB sandbox failed: {exc}") from exc
        finally:
            attempt.close()
            POOL.release(server, reusable=attempt.healthy)


ENGINE = MariaDBEngine()
