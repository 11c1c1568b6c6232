"""The project checks a grading.toml may name, and the environments they run in."""

from __future__ import annotations

from collections.abc import Callable

from labs.projects import relational

# check name -> (environment, function(env, criterion, handin) -> Award)
CHECKS: dict[str, tuple[tuple[str, str], Callable]] = {
    "pg_rule_probes": (("postgres", "project-database"), relational.check_rule_probes),
    "pg_migration": (("postgres", "project-database"), relational.check_migration),
    "pg_queries": (("postgres", "project-database"), relational.check_queries),
    "pg_query_speed": (("postgres", "project-database"), relational.check_query_speed),
    "pg_concurrent_orders": (("postgres", "project-database"), relational.check_concurrent_orders),
}
ENGINES = frozenset(env for env, _ in CHECKS.values())
