"""pgBackRest as an engine: backups a learner configures and takes, restores the platform does.

Lab topology ``stanza``: one PostgreSQL primary (pg_cluster's ``Cluster``) archiving through
``pgbackrest archive-push`` to a repository inside the attempt's sandbox. See ``attempt`` for
the sequence and ``answer`` for the answer format; checks live in ``labs.checks.pgbackrest``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from labs.engines.pgbackrest.attempt import BackrestAttempt, missing_capabilities, open_backrest_attempt

if TYPE_CHECKING:
    from labs.spec import LabSpec

TOPOLOGIES = ("stanza",)


class BackrestEngine:
    name = "pgbackrest"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        return missing_capabilities(spec)

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[BackrestAttempt]:
        return open_backrest_attempt(spec, answer, deadline)


ENGINE = BackrestEngine()

__all__ = ["ENGINE", "TOPOLOGIES", "BackrestAttempt", "BackrestEngine"]
