"""Galera: three MariaDB wsrep nodes (``galera-4``) in one box, one fresh cluster per attempt.
``ENGINE`` follows ``labs.sandbox.Engine``; the answer format is in ``answer.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labs.engines.galera.attempt import open_galera_attempt
from labs.engines.galera.cluster import find_missing
from labs.engines.mariadb.server import find_missing_binaries

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from labs.attempt import Attempt
    from labs.spec import LabSpec


class GaleraEngine:
    name = "galera"
    capabilities = ("sql", "transactions", "innodb", "wsrep")

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        missing: dict[str, str] = {}
        reason = find_missing_binaries() or find_missing()
        if reason:
            missing["galera"] = reason
        for capability in spec.requires:
            if capability not in self.capabilities:
                missing[capability] = f"the Galera sandbox does not provide {capability!r}"
        return missing

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[Attempt]:
        return open_galera_attempt(spec, answer, deadline)


ENGINE = GaleraEngine()
