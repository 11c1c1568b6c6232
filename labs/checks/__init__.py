"""Check families. A check is a function ``(attempt, check_spec) -> CheckResult``.

Each family lives in its own module and is looked up by (check type, engine), so the
same family name (``sharding``) can mean a Redis Cluster check or a Postgres one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labs.result import CheckResult

# ``check(attempt, check_spec) -> CheckResult``. The attempt and the check spec are not typed
# here: labs.spec validates check types against this registry, so the registry must not import
# labs.spec (nor labs.attempt, which imports it) back; each check module's ``check`` names them.
CheckFn = Callable[[Any, Any], "CheckResult"]

# (check type, engine) -> module that defines ``check(attempt, check_spec)``
CHECK_MODULES: dict[tuple[str, str], str] = {
    ("result", "postgres"): "labs.checks.result",
    ("plan", "postgres"): "labs.checks.plan",
    ("schema", "postgres"): "labs.checks.schema",
    ("roles", "postgres"): "labs.checks.roles",
    ("concurrency", "postgres"): "labs.checks.concurrency",
    ("recovery", "postgres"): "labs.checks.recovery",
    ("replication", "postgres"): "labs.checks.replication",
    ("sharding", "postgres"): "labs.checks.pg_sharding",
    ("redis", "redis"): "labs.checks.redis",
    ("sharding", "redis"): "labs.checks.redis_sharding",
    ("persistence", "redis"): "labs.checks.redis_persistence",
    ("mongo", "mongo"): "labs.checks.mongo",
    ("failover", "patroni"): "labs.checks.failover",
    ("result", "mariadb"): "labs.checks.mariadb_result",
    ("plan", "mariadb"): "labs.checks.mariadb_plan",
    ("concurrency", "mariadb"): "labs.checks.mariadb_concurrency",
    ("replication", "mariadb"): "labs.checks.mariadb_replication",
    ("galera", "galera"): "labs.checks.galera",
    ("backup", "pgbackrest"): "labs.checks.pgbackrest",
    ("pooling", "pgbouncer"): "labs.checks.pgbouncer",
    ("access_pattern", "cql-model"): "labs.checks.cql_model",
}


def known_check_types(engine: str) -> set[str]:
    return {kind for kind, eng in CHECK_MODULES if eng == engine}


def get_check(check_type: str, engine: str) -> CheckFn:
    try:
        module = CHECK_MODULES[(check_type, engine)]
    except KeyError:
        known = ", ".join(sorted(known_check_types(engine))) or "none"
        raise KeyError(f"no check {check_type!r} for engine {engine!r}; known: {known}") from None
    return importlib.import_module(module).check
