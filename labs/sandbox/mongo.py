"""The MongoDB engine's historical import path. The engine lives in ``labs.engines.mongo``
(answer, store, emulated, mongod, attempt); this module re-exports the names other code imports
from here.
"""

from labs.engines.mongo.answer import (  # noqa: F401
    DATABASES,
    FORBIDDEN_OPERATORS,
    MAX_ANSWER_BYTES,
    MAX_INSERT_DOCUMENTS,
    MAX_OPERATIONS,
    MAX_RESULT_DOCUMENTS,
    MONGODB_OPERATORS,
    AnswerFormatError,
    MongoAnswer,
    MongoOperation,
    MongoQuery,
    MongoSeed,
    OperationError,
    StoreTimeout,
    load_extended_json,
    parse_answer,
    parse_learner_answer,
    parse_operation,
    parse_query,
    parse_seed,
)
from labs.engines.mongo.attempt import (  # noqa: F401
    EMULATED_CAPABILITIES,
    EMULATED_REASONS,
    ENGINE,
    MONGOD_CAPABILITIES,
    TOPOLOGY_NEEDS,
    MongoAttempt,
    MongoEngine,
    OperationOutcome,
    unsupported_message,
)
from labs.engines.mongo.emulated import (  # noqa: F401
    EMULATED_MEMORY,
    EmulatedServer,
    RemoteStore,
    emulated_store,
)
from labs.engines.mongo.mongod import (  # noqa: F401
    HOST,
    MongoCluster,
    MongoProcess,
    find_mongod,
    find_mongos,
    mongod_store,
    start_mongo_cluster,
)
from labs.engines.mongo.store import (  # noqa: F401
    PLATFORM_TIMEOUT,
    START_TIMEOUT,
    DocumentStore,
)
from labs.sandbox.mongo_emulation import (  # noqa: F401  (part of this module's interface)
    EmulationUnsupported,
    classify_failure,
    schema_errors,
    unsupported_feature,
    validator_errors,
)
