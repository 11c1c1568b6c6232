"""The project checks a grading.toml may name and the environment each runs in (names only, so
``labs.projects.spec`` validates without importing the checks; ``checks.py`` maps them to code)."""

from __future__ import annotations

PG_DATABASE = ("postgres", "project-database")
NOSQL = ("nosql", "mongo-redis")
PG_OPS = ("postgres", "operational")

CHECK_ENVIRONMENTS: dict[str, tuple[str, str]] = {
    "pg_rule_probes": PG_DATABASE,
    "pg_migration": PG_DATABASE,
    "pg_queries": PG_DATABASE,
    "pg_query_speed": PG_DATABASE,
    "pg_concurrent_orders": PG_DATABASE,
    "pg_results_unchanged": PG_DATABASE,
    "pg_performance": PG_DATABASE,
    "pg_index_budget": PG_DATABASE,
    "pg_plans_captured": PG_DATABASE,
    "mongo_pipelines": NOSQL,
    "redis_checkout": NOSQL,
    "redis_leaderboard": NOSQL,
    "pg_wal_archiving": PG_OPS,
    "pg_base_backup": PG_OPS,
    "lab_runbook": PG_OPS,
    "lab_sql_files": PG_OPS,
    "pg_tls_auth": PG_OPS,
    "pg_alerts_fire": PG_OPS,
}
ENGINES = frozenset(CHECK_ENVIRONMENTS.values())
