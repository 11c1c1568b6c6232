"""PgBouncer as an engine: a learner's pooling settings, judged under a load the platform drives.

Lab topology ``pool``: one PostgreSQL primary with a small ``max_connections`` and PgBouncer 1.18
in front of it, both in the attempt's box. See ``attempt`` for the sequence (baseline on direct
connections, then the app and a prepared-statement reports job through PgBouncer), ``answer``
for the answer format and ``pgbench`` for the runs; checks live in ``labs.checks.pgbouncer``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from labs.engines.pgbouncer.attempt import PoolerAttempt, missing_capabilities, open_pooler_attempt

if TYPE_CHECKING:
    from labs.spec import LabSpec

TOPOLOGIES = ("pool",)


class PgBouncerEngine:
    name = "pgbouncer"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        return missing_capabilities(spec)

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[PoolerAttempt]:
        return open_pooler_attempt(spec, answer, deadline)


ENGINE = PgBouncerEngine()

__all__ = ["ENGINE", "TOPOLOGIES", "PgBouncerEngine", "PoolerAttempt"]
