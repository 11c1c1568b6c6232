"""The operational Postgres topologies' historical import path. They live in
``labs.engines.postgres`` (scenario, cluster, archive, standby, shards, operational); this module
re-exports the names other code imports from here.
"""

from labs.engines.postgres.archive import (  # noqa: F401
    build_archive,
    conf_line,
    describe_target,
    explain_failed_recovery,
    promote,
    recovery_state,
    resolve_value,
    run_archive_runbook,
    scenario_marks,
    start_recovery,
)
from labs.engines.postgres.cluster import (  # noqa: F401
    BASE_SETTINGS,
    PLATFORM_TIMEOUT,
    PROBE_TABLE,
    SUPERUSER,
    Cluster,
    Instance,
    OperationalAttempt,
    children_of,
    ensure_template,
    is_zombie,
    play_scenario,
    run_sql,
    wait_for,
)
from labs.engines.postgres.operational import (  # noqa: F401
    OPERATIONAL_ENGINE,
    RECENT_TIMINGS,
    TOPOLOGY_BUILDERS,
    OperationalEngine,
    bench_pitr_graded,
    default_pitr_lab,
    missing_capabilities,
    missing_operational_capabilities,
    open_operational_attempt,
)
from labs.engines.postgres.scenario import (  # noqa: F401
    DEFAULT_SHARDS,
    DIRECTIVE,
    MAX_SCENARIO_SLEEP,
    MAX_SHARDS,
    ScenarioItem,
    parse_scenario,
    split_statements,
)
from labs.engines.postgres.settings import OPERATIONAL_TOPOLOGIES, PG_BIN  # noqa: F401
from labs.engines.postgres.shards import (  # noqa: F401
    attach_shard,
    build_shards,
    create_sharded_table,
    explain_shard_error,
    range_bound,
    run_shards_runbook,
    shard_count,
    table_columns,
)
from labs.engines.postgres.standby import (  # noqa: F401
    build_standby,
    run_standby_runbook,
    wait_for_catchup,
)
from labs.runbook import RunbookError  # noqa: F401
