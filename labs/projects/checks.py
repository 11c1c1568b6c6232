"""The code behind each project check named in ``registry.py``."""

from __future__ import annotations

from collections.abc import Callable

from labs.projects.nosql import check_leaderboard, check_pipelines, check_redis_checkout
from labs.projects.operations import check_base_backup, check_lab_runbook, check_wal_archiving
from labs.projects.optimization import (
    check_budget,
    check_performance,
    check_plans_captured,
    check_results_unchanged,
)
from labs.projects.production import check_lab_sql_files
from labs.projects.production_alerts import check_alerts_fire
from labs.projects.production_tls import check_tls_auth
from labs.projects.registry import CHECK_ENVIRONMENTS
from labs.projects.relational import (
    check_concurrent_orders,
    check_migration,
    check_queries,
    check_query_speed,
    check_rule_probes,
)

CHECKS: dict[str, Callable] = {
    "pg_rule_probes": check_rule_probes,
    "pg_migration": check_migration,
    "pg_queries": check_queries,
    "pg_query_speed": check_query_speed,
    "pg_concurrent_orders": check_concurrent_orders,
    "pg_results_unchanged": check_results_unchanged,
    "pg_performance": check_performance,
    "pg_index_budget": check_budget,
    "pg_plans_captured": check_plans_captured,
    "mongo_pipelines": check_pipelines,
    "redis_checkout": check_redis_checkout,
    "redis_leaderboard": check_leaderboard,
    "pg_wal_archiving": check_wal_archiving,
    "pg_base_backup": check_base_backup,
    "lab_runbook": check_lab_runbook,
    "lab_sql_files": check_lab_sql_files,
    "pg_tls_auth": check_tls_auth,
    "pg_alerts_fire": check_alerts_fire,
}
assert set(CHECKS) == set(CHECK_ENVIRONMENTS), "every registered check needs its code, and no more"
