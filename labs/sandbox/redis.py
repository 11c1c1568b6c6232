"""The Redis engine's historical import path. The engine lives in ``labs.engines.redis``
(commands, resp, deployment, run, attempt); this module re-exports the names other code imports
from here.
"""

from labs.engines.redis.attempt import (  # noqa: F401
    CAPABILITIES,
    ENGINE,
    RedisAttempt,
    RedisEngine,
    RedisRun,
    bench_redis_cluster_ready,
)
from labs.engines.redis.commands import (  # noqa: F401
    ALLOWED_SUBCOMMANDS,
    FORBIDDEN_COMMANDS,
    MAX_ANSWER_BYTES,
    MAX_ANSWER_LINES,
    SUBCOMMAND_REASONS,
    TRANSACTION_COMMANDS,
    CommandSyntaxError,
    RedisCommand,
    parse_answer,
    parse_commands,
    refuse_forbidden,
    split_command_line,
)
from labs.engines.redis.deployment import (  # noqa: F401
    DEFAULT_MAXMEMORY,
    DEFAULT_POLICY,
    DEFAULT_SHARDS,
    FORM_TIMEOUT,
    FORMING_NODE_TIMEOUT_MS,
    LEARNER_ACL,
    MAX_SHARDS,
    MEMORY_POLICIES,
    REDIS_SERVER,
    REMOVED_COMMANDS,
    RUNNING_NODE_TIMEOUT_MS,
    SECRET_COMMANDS,
    TOTAL_SLOTS,
    WARM_CLUSTERS,
    RedisDeployment,
    RedisNode,
    RedisOptions,
    WarmClusters,
    apply_options,
    deploy,
    form_cluster,
    parse_memory,
    redis_version,
    start_deployment,
)
from labs.engines.redis.resp import (  # noqa: F401
    ADMIN_TIMEOUT,
    HOST,
    MAX_REPLY_DEPTH,
    START_TIMEOUT,
    ConnectionLost,
    RedisReplyError,
    ReplyTimeout,
    RespConnection,
    encode_command,
    format_reply,
    reply_text,
)
from labs.engines.redis.run import (  # noqa: F401
    LEARNER_REPLY_BYTES,
    LEARNER_REPLY_ITEMS,
    CommandRouter,
    Step,
    Transcript,
    explain_error,
    run_commands,
    run_seed,
)
