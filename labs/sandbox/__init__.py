"""Engines: each starts real servers for an attempt and tears them down on every path."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from labs.attempt import Attempt
    from labs.spec import LabSpec

# engine name -> module defining ENGINE (an object following the Engine protocol)
ENGINE_MODULES = {
    "postgres": "labs.sandbox.postgres",
    "redis": "labs.sandbox.redis",
    "mongo": "labs.sandbox.mongo",
    "patroni": "labs.engines.patroni",
    "mariadb": "labs.engines.mariadb",
    "galera": "labs.engines.galera",
    "pgbackrest": "labs.engines.pgbackrest",
    "pgbouncer": "labs.engines.pgbouncer",
    "cql-model": "labs.engines.cql_model",
}


class Engine(Protocol):
    name: str

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        """Capabilities the lab needs that this installation lacks, each with the reason."""

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> AbstractContextManager[Attempt]:
        """Start (or take from a pool) the servers this lab's topology needs, seeded with
        the lab's data; tear everything down when the context exits, exceptions included."""


def get_engine(name: str) -> Engine:
    try:
        module = ENGINE_MODULES[name]
    except KeyError:
        raise KeyError(f"unknown engine {name!r}; known: {', '.join(sorted(ENGINE_MODULES))}") from None
    return importlib.import_module(module).ENGINE
