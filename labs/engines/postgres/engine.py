"""The Postgres ``Engine``: what a lab needs that this machine lacks, and opening an attempt
(query labs from the warm pool; operational topologies from ``labs.engines.postgres.operational``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psycopg

from labs.attempt import AnswerRejected, Attempt, LearnerTimeout
from labs.engines.postgres.attempt import PgAttempt
from labs.engines.postgres.labdb import VISIBLE, lab_options
from labs.engines.postgres.pool import POOL
from labs.engines.postgres.settings import OPERATIONAL_TOPOLOGIES, find_missing_binaries
from labs.sandbox.base import SandboxError
from labs.sandbox.pg_sql import (
    ScriptError,
    find_forbidden,
    split_statements,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from labs.spec import LabSpec

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
                from labs.engines.postgres import operational
            except ImportError:
                missing[spec.topology] = (
                    "the operational Postgres topologies are not installed (labs.engines.postgres.operational)"
                )
            else:
                check = getattr(operational, "missing_capabilities", None)
                if check is not None:
                    missing.update(check(spec))
                return missing
        for capability in spec.requires:
            if capability not in self.capabilities:
                missing[capability] = f"the Postgres query sandbox does not provide {capability!r}"
        return missing

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[Attempt]:
        if spec.topology in OPERATIONAL_TOPOLOGIES:
            from labs.engines.postgres.operational import open_operational_attempt

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
        attempt.count_as_platform_time(paused_from)
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
