"""The Postgres engine's historical import path. The engine lives in ``labs.engines.postgres``
(settings, server, template, pool, labdb, attempt, engine); this module re-exports the names other code
imports from here, so ``from labs.sandbox.postgres import PgAttempt`` keeps working.
"""

from labs.engines.postgres.attempt import (  # noqa: F401
    MAX_REFERENCES,
    READONLY_SETTINGS,
    LearnerSqlError,
    PgAttempt,
    Rows,
    ScriptOutcome,
    _gset,
    jsonable,
    restore_learner_settings,
    store_gset,
)
from labs.engines.postgres.engine import (  # noqa: F401
    ENGINE,
    PostgresEngine,
)
from labs.engines.postgres.labdb import (  # noqa: F401
    HIDDEN,
    VISIBLE,
    ensure_lab_database,
    lab_options,
)
from labs.engines.postgres.pool import (  # noqa: F401
    POOL,
    InstancePool,
    live_instances,
    shutdown,
    start_instance,
)
from labs.engines.postgres.server import (  # noqa: F401
    PgInstance,
)
from labs.engines.postgres.settings import (  # noqa: F401
    ADMIN_USER,
    CANCEL_GRACE,
    DEFAULT_OPTIONS,
    GRADER_SEARCH_PATH,
    INITDB_SETTINGS,
    LEARNER_ROLE,
    MAX_LAB_DATABASES,
    MAX_USES,
    OPERATIONAL_TOPOLOGIES,
    PG_BIN,
    PLATFORM_ALLOWANCE,
    PLATFORM_STATEMENT_TIMEOUT_MS,
    QUERY_LAB_CONFIG,
    QUERY_TOPOLOGIES,
    READY_TIMEOUT,
    TRANSACTION_CONTROL,
    find_missing_binaries,
    pg_version,
)
from labs.engines.postgres.template import (  # noqa: F401
    Template,
    initdb_template,
)
