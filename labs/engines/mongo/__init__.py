"""The MongoDB engine: a real ``mongod`` when one is installed, an emulated one otherwise.

Engines
-------
- **mongod** (``MONGOD`` or ``mongod`` on PATH; ``mongos`` next to it or on PATH for the
  sharded topology): per attempt, fresh processes bound to 127.0.0.1 on free ports, run as
  the unprivileged sandbox user when we are root, ``--auth`` with two random users (the
  grader: root; the learner: readWrite + dbAdmin on the lab's databases only),
  ``--noscripting`` (no server-side JavaScript: $where, $function, $accumulator), a small
  WiredTiger cache. Topologies: ``standalone``; ``replica_set`` (3 members, keyFile);
  ``sharded`` (a config server replica set, N single-member shard replica sets and a
  ``mongos``). Capabilities: aggregation, indexes, validation, explain, transactions
  (replica set and sharded), replication, sharding.
- **emulated** (mongomock, where the Debian archive has no MongoDB): a forked child
  process per attempt holds an in-memory mongomock client and answers over a pipe, so an
  expensive pipeline is bounded by the lab's deadline (the child is killed) and by an
  address-space limit, never by the worker's own memory. Standalone only. Capabilities:
  aggregation, indexes, validation ($jsonSchema and query-operator validators are
  enforced by this module, since mongomock ignores them). No explain: labs that need it
  are reported as not available on this installation, with the reason.

Seeds (seed.json, hidden.json; MongoDB extended JSON, e.g. {"$date": "2024-05-01T10:00:00Z"})::

    {"collections": {"orders": [{"customer": "ada", "total": 12.5}, ...]},
     "indexes": {"orders": [{"keys": {"customer": 1}, "unique": false, "name": "customer_1"}]},
     "validators": {"orders": {"$jsonSchema": {...}}}}   # or {"validator": ..., "validationLevel": ...,
                                                         #     "validationAction": ...}

Documents without ``_id`` get a deterministic one (from the collection and position), so
the learner's and the reference's databases hold identical documents.

The answer format "mongo" (JSON; errors give line and column)::

    {"collection": "orders", "pipeline": [{"$match": ...}, {"$group": ...}]}            # aggregation
    {"collection": "orders", "find": {"status": "paid"}, "projection": {"_id": 0},       # query
     "sort": {"total": -1}, "skip": 0, "limit": 10}
    [ {"createCollection": "orders", "validator": {...}, "validationLevel": "strict",    # operations
       "validationAction": "error"},
      {"collMod": "orders", "validator": {...}},
      {"createIndex": "orders", "keys": {"customer": 1, "placed": -1}, "unique": true, "name": "...",
       "sparse": false, "partialFilterExpression": {...}, "expireAfterSeconds": 3600},
      {"dropIndex": "orders", "name": "customer_1"},
      {"insertOne": "orders", "document": {...}}, {"insertMany": "orders", "documents": [...]},
      {"updateOne": "orders", "filter": {...}, "update": {...}, "upsert": false},   # also updateMany
      {"replaceOne": "orders", "filter": {...}, "replacement": {...}},
      {"deleteOne": "orders", "filter": {...}},                                      # also deleteMany
      {"shardCollection": "orders", "key": {"customer": "hashed"}} ]                 # sharded labs only
    {"operations": [...], "collection": "orders", "pipeline": [...]}   # operations first, then a query

Each operation names itself with its first key, whose value is the collection, as in
MongoDB's own database commands. Operations run in order; an operation that fails is
recorded (with its position) and the next one runs, like a shell script.

Modules: ``answer`` (answers and seeds, parsed and screened), ``store`` (``DocumentStore``, the
Mongo operations on a pymongo or mongomock client), ``emulated`` (the forked mongomock server),
``mongod`` (real mongod/mongos processes and topologies), ``attempt`` (``MongoAttempt`` and the
engine), ``graph_lookup`` and ``geo`` (the emulated server's $graphLookup and $geoWithin, and the
reasons given for $text, $near and $geoNear, which it does not emulate).
"""
