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
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson import ObjectId, json_util

from labs.attempt import AnswerRejected, Attempt, EngineUnsupported, LearnerTimeout
from labs.sandbox.base import (
    SandboxDir,
    SandboxError,
    account_for,
    chown_to_sandbox_user,
    ensure_sandbox_user,
    free_port,
    make_sandbox_dir,
    remove_sandbox_dir,
    spawn_process,
)
from labs.sandbox.bounds import (
    MAX_BSON_SIZE,
    MAX_NESTING,
    MAX_RESULT_BYTES,
    IntegerOutOfRange,
    TooDeep,
    TooLarge,
    bson_size,
    check_integers,
    json_depth_error,
)
from labs.sandbox.box import sandbox_env
from labs.sandbox.mongo_emulation import (  # noqa: F401  (schema_errors: part of this module's interface)
    EmulationUnsupported,
    _describe,
    classify_failure,
    schema_errors,
    unsupported_feature,
    validator_errors,
)
from labs.spec import LabSpec

HOST = "127.0.0.1"
MAX_ANSWER_BYTES = 256 * 1024
MAX_OPERATIONS = 1000
MAX_INSERT_DOCUMENTS = 10_000
MAX_RESULT_DOCUMENTS = 1000  # compared per query; more than that is a runaway answer
PLATFORM_TIMEOUT = 20.0  # seconds for one grader call that is not the learner's work
START_TIMEOUT = 30.0  # seconds for mongod processes to accept connections / elect a primary
EMULATED_MEMORY = 512 << 20  # address space the emulated server may add to what it inherits

EMULATED_CAPABILITIES = frozenset({"aggregation", "indexes", "validation"})
MONGOD_CAPABILITIES = frozenset(
    {"aggregation", "indexes", "validation", "explain", "transactions", "replication", "sharding", "text_search"}
)
TOPOLOGY_NEEDS = {"standalone": set(), "replica_set": {"replication"}, "sharded": {"sharding"}}
EMULATED_REASONS = {
    "explain": "the emulated MongoDB engine (mongomock) cannot explain queries; install mongod to run this lab",
    "replication": "the emulated MongoDB engine (mongomock) has no replica sets; install mongod to run this lab",
    "sharding": "the emulated MongoDB engine (mongomock) has no sharded clusters; install mongod and mongos "
    "to run this lab",
    "transactions": "the emulated MongoDB engine (mongomock) has no transactions; install mongod to run this lab",
    "text_search": "the emulated MongoDB engine (mongomock) has no text indexes; install mongod to run this lab",
}
DATABASES = {("seed", "learner"): "lab", ("hidden", "learner"): "lab_hidden", ("seed", "solution"): "ref"}
DATABASES[("hidden", "solution")] = "ref_hidden"

# Stages and operators a learner's JSON may not use, with the reason shown to them.
FORBIDDEN_OPERATORS = {
    "$out": "it writes the results into a collection; the lab reads them from your pipeline directly",
    "$merge": "it writes the results into a collection; the lab reads them from your pipeline directly",
    "$where": "it runs JavaScript on the server, which lab sandboxes do not allow (use $expr)",
    "$function": "it runs JavaScript on the server, which lab sandboxes do not allow",
    "$accumulator": "it runs JavaScript on the server, which lab sandboxes do not allow",
    "$currentOp": "it shows other sessions' operations",
    "$listSessions": "it shows other sessions",
    "$listLocalSessions": "it shows other sessions",
}

# Real MongoDB stage and operator names: an unknown name in an emulated run is the learner's
# typo; a known one that mongomock lacks is this installation's limit, not the learner's.
_OPERATOR_NAMES = """
    $addFields $bucket $bucketAuto $changeStream $collStats $count $densify $documents $facet $fill
    $geoNear $graphLookup $group $indexStats $limit $lookup $match $merge $out $project $redact
    $replaceRoot $replaceWith $sample $search $set $setWindowFields $skip $sort $sortByCount
    $unionWith $unset $unwind $accumulator $addToSet $avg $bottom $bottomN $count $first $firstN
    $last $lastN $max $maxN $median $mergeObjects $min $minN $percentile $push $stdDevPop
    $stdDevSamp $sum $top $topN $abs $acos $acosh $add $allElementsTrue $and $anyElementTrue
    $arrayElemAt $arrayToObject $asin $asinh $atan $atan2 $atanh $binarySize $bitAnd $bitNot $bitOr
    $bitXor $bsonSize $ceil $cmp $concat $concatArrays $cond $convert $cos $cosh $dateAdd
    $dateDiff $dateFromParts $dateFromString $dateSubtract $dateToParts $dateToString $dateTrunc
    $dayOfMonth $dayOfWeek $dayOfYear $degreesToRadians $divide $eq $exp $filter $floor
    $getField $gt $gte $hour $ifNull $in $indexOfArray $indexOfBytes $indexOfCP $isArray
    $isNumber $isoDayOfWeek $isoWeek $isoWeekYear $let $literal $ln $log $log10 $lt $lte $ltrim
    $map $meta $millisecond $minute $mod $month $multiply $ne $not $objectToArray $or $pow
    $radiansToDegrees $rand $range $reduce $regexFind $regexFindAll $regexMatch $replaceAll
    $replaceOne $reverseArray $round $rtrim $second $setDifference $setEquals $setField
    $setIntersection $setIsSubset $setUnion $sin $sinh $size $slice $sortArray $split $sqrt
    $strLenBytes $strLenCP $strcasecmp $substr $substrBytes $substrCP $subtract $switch $tan $tanh
    $toBool $toDate $toDecimal $toDouble $toInt $toLong $toLower $toObjectId $toString $toUpper
    $trim $trunc $tsIncrement $tsSecond $type $unsetField $week $year $zip $all $elemMatch
    $exists $expr $jsonSchema $nin $nor $regex $text $where $geoIntersects $geoWithin $near
    $nearSphere $bitsAllClear $bitsAllSet $bitsAnyClear $bitsAnySet $inc $mul $rename
    $setOnInsert $currentDate $pop $pull $pullAll $push $each $position $covariancePop
    $covarianceSamp $denseRank $derivative $documentNumber $expMovingAvg $integral $linearFill
    $locf $rank $shift $function $pipeline
"""
MONGODB_OPERATORS = frozenset(_OPERATOR_NAMES.split())


class AnswerFormatError(ValueError):
    """An answer (or a lab file) that does not follow the format; str() says where and what."""


class OperationError(Exception):
    """MongoDB refused an operation or a query: the learner's (or the seed's) doing."""


class StoreTimeout(Exception):
    """A call ran past its deadline."""


# --------------------------------------------------------------------------- answer format


@dataclass(frozen=True)
class MongoQuery:
    collection: str
    pipeline: tuple[dict, ...] | None = None  # aggregation, or ...
    filter: dict | None = None  # ... find
    projection: dict | None = None
    sort: tuple[tuple[str, Any], ...] = ()
    skip: int = 0
    limit: int = 0

    @property
    def kind(self) -> str:
        return "aggregate" if self.pipeline is not None else "find"

    def describe(self) -> str:
        if self.pipeline is not None:
            names = [next(iter(stage)) for stage in self.pipeline if stage]
            stages = ", ".join(names[:8]) or "no stages"
            if len(names) > 8:  # a message names the pipeline; a hostile one can have thousands of stages
                stages += f", … {len(names) - 8} more"
            return f"the pipeline on `{self.collection}` ({stages})"
        return f"the find on `{self.collection}`"


@dataclass(frozen=True)
class MongoOperation:
    name: str  # createIndex, insertOne, ...
    collection: str
    args: dict[str, Any]
    position: int  # 1-based, for messages

    def describe(self) -> str:
        return f"operation {self.position} ({self.name} on `{self.collection}`)"


@dataclass(frozen=True)
class MongoAnswer:
    operations: tuple[MongoOperation, ...] = ()
    query: MongoQuery | None = None


_OPERATION_FIELDS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (required fields, optional fields) -> expected Python type(s)
    "createCollection": ({}, {"validator": dict, "validationLevel": str, "validationAction": str}),
    "collMod": ({}, {"validator": dict, "validationLevel": str, "validationAction": str}),
    "createIndex": (
        {"keys": dict},
        {
            "unique": bool,
            "name": str,
            "sparse": bool,
            "partialFilterExpression": dict,
            "expireAfterSeconds": int,
            "collation": dict,
        },
    ),
    "dropIndex": ({"name": str}, {}),
    "insertOne": ({"document": dict}, {}),
    "insertMany": ({"documents": list}, {}),
    "updateOne": ({"filter": dict, "update": (dict, list)}, {"upsert": bool}),
    "updateMany": ({"filter": dict, "update": (dict, list)}, {"upsert": bool}),
    "replaceOne": ({"filter": dict, "replacement": dict}, {"upsert": bool}),
    "deleteOne": ({"filter": dict}, {}),
    "deleteMany": ({"filter": dict}, {}),
    "shardCollection": ({"key": dict}, {"unique": bool}),
}
_TYPE_WORDS = {dict: "an object", list: "an array", str: "a string", bool: "true or false", int: "a whole number"}
_QUERY_FIELDS = {"collection", "pipeline", "find", "projection", "sort", "skip", "limit", "operations"}


def load_extended_json(text: str, source: str) -> Any:
    """Parse MongoDB extended JSON; AnswerFormatError gives the line and column."""
    too_deep = json_depth_error(text)
    if too_deep is not None:  # before the parser, which would recurse until RecursionError
        line, column, _ = too_deep
        raise AnswerFormatError(
            f"{source}: line {line}, column {column}: objects and arrays nest more than {MAX_NESTING} levels "
            f"deep (MongoDB's limit for documents)"
        )
    try:
        data = json_util.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswerFormatError(f"{source}: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # bson's complaints about {"$date": ...} and friends
        raise AnswerFormatError(f"{source}: invalid extended JSON: {str(exc)[:200]}") from None
    try:
        check_integers(data)
    except IntegerOutOfRange as exc:
        raise AnswerFormatError(
            f"{source}: {exc.path or 'the value'} is a whole number beyond 64 bits; MongoDB stores integers "
            f"between {-(2**63)} and {2**63 - 1} (use a double, like 1e30, for bigger numbers)"
        ) from None
    return data


def _type_word(kind: Any) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_WORDS.get(k, k.__name__) for k in kinds)


def _check_type(value: Any, kind: Any, where: str) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise AnswerFormatError(f"{where} must be {_type_word(kind)}, not {json.dumps(value)}")
    if not isinstance(value, kinds):
        raise AnswerFormatError(f"{where} must be {_type_word(kind)}, not {json_util.dumps(value)[:60]}")


def _check_collection(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or "$" in value or value.startswith("system.") or "\0" in value:
        raise AnswerFormatError(f'{where} must be a collection name like "orders", not {json_util.dumps(value)}')
    return value


def _find_forbidden(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FORBIDDEN_OPERATORS:
                raise AnswerRejected(
                    f"{key} is disabled in lab sandboxes: {FORBIDDEN_OPERATORS[key]}. "
                    f"Remove it from {where} and submit again."
                )
            _find_forbidden(item, where)
    elif isinstance(value, list):
        for item in value:
            _find_forbidden(item, where)


def parse_operation(raw: Any, position: int, topology: str = "standalone") -> MongoOperation:
    where = f"operations[{position - 1}]"
    if not isinstance(raw, dict):
        raise AnswerFormatError(f'{where} must be an object like {{"createIndex": "orders", "keys": {{...}}}}')
    names = [key for key in raw if key in _OPERATION_FIELDS]
    if len(names) != 1:
        known = ", ".join(_OPERATION_FIELDS)
        found = "none" if not names else ", ".join(names)
        raise AnswerFormatError(f"{where} must name exactly one operation ({known}); found {found}")
    name = names[0]
    if name == "shardCollection" and topology != "sharded":
        raise AnswerFormatError(f"{where}: shardCollection needs a sharded lab; this one is {topology}")
    collection = _check_collection(raw[name], f"{where}.{name}")
    required, optional = _OPERATION_FIELDS[name]
    for key, kind in required.items():
        if key not in raw:
            raise AnswerFormatError(f'{where}: {name} needs "{key}" ({_type_word(kind)})')
        _check_type(raw[key], kind, f"{where}.{key}")
    for key, value in raw.items():
        if key == name or key in required:
            continue
        if key not in optional:
            allowed = ", ".join(list(required) + list(optional)) or "nothing else"
            raise AnswerFormatError(f'{where}: {name} does not take "{key}" (it takes {allowed})')
        _check_type(value, optional[key], f"{where}.{key}")
    if name == "collMod" and len(raw) == 1:
        raise AnswerFormatError(f"{where}: collMod needs a validator, validationLevel or validationAction")
    if name == "createIndex" and not raw["keys"]:
        raise AnswerFormatError(f'{where}.keys must name at least one field, like {{"customer": 1}}')
    if name == "insertMany":
        if len(raw["documents"]) > MAX_INSERT_DOCUMENTS:
            raise AnswerFormatError(f"{where}.documents: at most {MAX_INSERT_DOCUMENTS} documents per insertMany")
        for i, doc in enumerate(raw["documents"]):
            _check_type(doc, dict, f"{where}.documents[{i}]")
    if raw.get("validationLevel", "strict") not in ("strict", "moderate", "off"):
        raise AnswerFormatError(f'{where}.validationLevel must be "strict", "moderate" or "off"')
    if raw.get("validationAction", "error") not in ("error", "warn"):
        raise AnswerFormatError(f'{where}.validationAction must be "error" or "warn"')
    _find_forbidden(raw, where)
    args = {k: v for k, v in raw.items() if k != name}
    return MongoOperation(name=name, collection=collection, args=args, position=position)


def parse_query(raw: dict) -> MongoQuery:
    collection = _check_collection(raw.get("collection"), "collection")
    if ("pipeline" in raw) == ("find" in raw):
        raise AnswerFormatError('a query needs either "pipeline" (an aggregation) or "find" (a filter), not both')
    if "pipeline" in raw:
        pipeline = raw["pipeline"]
        _check_type(pipeline, list, "pipeline")
        for i, stage in enumerate(pipeline):
            if not isinstance(stage, dict) or len(stage) != 1 or not next(iter(stage), "").startswith("$"):
                raise AnswerFormatError(f'pipeline[{i}] must be one stage like {{"$match": {{...}}}}')
        for key in ("projection", "sort", "skip", "limit"):
            if key in raw:
                raise AnswerFormatError(f'"{key}" goes with "find"; in a pipeline use a ${key} stage')
        _find_forbidden(pipeline, "your pipeline")
        return MongoQuery(collection=collection, pipeline=tuple(pipeline))
    _check_type(raw["find"], dict, "find")
    _find_forbidden(raw["find"], "your filter")
    projection = raw.get("projection")
    if projection is not None:
        _check_type(projection, dict, "projection")
    sort = raw.get("sort", {})
    if isinstance(sort, dict):
        pairs = tuple(sort.items())
    elif isinstance(sort, list) and all(isinstance(p, list) and len(p) == 2 for p in sort):
        pairs = tuple((str(p[0]), p[1]) for p in sort)
    else:
        raise AnswerFormatError('sort must be an object like {"total": -1} or a list like [["total", -1]]')
    for field_name, direction in pairs:
        if direction not in (1, -1):
            raise AnswerFormatError(f"sort.{field_name} must be 1 (ascending) or -1 (descending)")
    skip, limit = raw.get("skip", 0), raw.get("limit", 0)
    for key, value in (("skip", skip), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise AnswerFormatError(f"{key} must be a whole number ≥ 0")
    return MongoQuery(
        collection=collection, filter=raw["find"], projection=projection, sort=pairs, skip=skip, limit=limit
    )


def parse_answer(text: str, topology: str = "standalone", source: str = "your answer") -> MongoAnswer:
    """Parse and validate an answer; AnswerFormatError says where (line/column or path) and what."""
    data = load_extended_json(text, source)
    if isinstance(data, list):
        operations_raw, query_raw = data, None
    elif isinstance(data, dict):
        unknown = sorted(set(data) - _QUERY_FIELDS)
        if unknown:
            raise AnswerFormatError(
                f'{source}: unknown field(s) {", ".join(unknown)}; an answer holds "collection" with '
                '"pipeline" or "find" (and "projection", "sort", "skip", "limit"), and/or "operations"'
            )
        operations_raw = data.get("operations", [])
        _check_type(operations_raw, list, "operations")
        query_raw = data if ("pipeline" in data or "find" in data or "collection" in data) else None
    else:
        raise AnswerFormatError(f"{source}: must be a JSON object (a query) or an array (operations)")
    if len(operations_raw) > MAX_OPERATIONS:
        raise AnswerFormatError(f"{source}: at most {MAX_OPERATIONS} operations")
    operations = tuple(parse_operation(raw, i, topology) for i, raw in enumerate(operations_raw, start=1))
    query = parse_query({k: v for k, v in query_raw.items() if k != "operations"}) if query_raw else None
    if not operations and query is None:
        raise AnswerFormatError(f"{source}: there is nothing to run (no query and no operations)")
    return MongoAnswer(operations=operations, query=query)


def parse_learner_answer(text: str, topology: str) -> MongoAnswer:
    if len(text.encode()) > MAX_ANSWER_BYTES:
        raise AnswerRejected(f"Your answer is larger than {MAX_ANSWER_BYTES // 1024} KiB; lab answers must be smaller.")
    try:
        return parse_answer(text, topology)
    except AnswerFormatError as exc:
        raise AnswerRejected(
            f"Your answer could not be read: {exc}. An aggregation looks like "
            '{"collection": "orders", "pipeline": [{"$match": {...}}]}; schema work is a list of operations '
            'like [{"createIndex": "orders", "keys": {"customer": 1}}].'
        ) from None


# --------------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class MongoSeed:
    collections: dict[str, list[dict]]
    indexes: dict[str, list[dict]]
    validators: dict[str, dict]  # collection -> {"validator": ..., "validationLevel": ..., "validationAction": ...}


def _seed_id(collection: str, position: int) -> ObjectId:
    return ObjectId(hashlib.sha1(f"{collection}:{position}".encode()).hexdigest()[:24])


def parse_seed(text: str, source: str) -> MongoSeed:
    """A seed file, validated; SandboxError (the lab's bug) names the file and the field."""
    if not text.strip():
        return MongoSeed({}, {}, {})
    try:
        data = load_extended_json(text, source)
    except AnswerFormatError as exc:
        raise SandboxError(str(exc)) from None
    if not isinstance(data, dict) or set(data) - {"collections", "indexes", "validators"}:
        raise SandboxError(f'{source}: must be an object with "collections", "indexes" and/or "validators"')
    collections: dict[str, list[dict]] = {}
    for name, docs in data.get("collections", {}).items():
        if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
            raise SandboxError(f"{source}: collections.{name} must be an array of documents")
        collections[name] = [doc if "_id" in doc else {"_id": _seed_id(name, i), **doc} for i, doc in enumerate(docs)]
    indexes: dict[str, list[dict]] = {}
    for name, specs in data.get("indexes", {}).items():
        if not isinstance(specs, list) or not all(
            isinstance(s, dict) and isinstance(s.get("keys"), dict) for s in specs
        ):
            raise SandboxError(f'{source}: indexes.{name} must be an array like [{{"keys": {{"customer": 1}}}}]')
        indexes[name] = specs
    validators: dict[str, dict] = {}
    for name, spec in data.get("validators", {}).items():
        if not isinstance(spec, dict):
            raise SandboxError(f"{source}: validators.{name} must be an object")
        full = "validator" in spec and set(spec) <= {"validator", "validationLevel", "validationAction"}
        validators[name] = spec if full else {"validator": spec}
    return MongoSeed(collections, indexes, validators)


# --------------------------------------------------------------------------- the store


def _normalize_index(name: str, info: dict) -> dict:
    entry = {"name": name, "keys": [[k, v] for k, v in info.get("key", [])]}
    for option in ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "collation"):
        if option in info:
            entry[option] = info[option]
    return entry


def _is_unsupported(exc: Exception) -> str | None:
    """The MongoDB feature an emulated failure is about, if real MongoDB has it."""
    return unsupported_feature(exc, MONGODB_OPERATORS)


class DocumentStore:
    """The lab's databases on one server, real (pymongo) or emulated (mongomock), and the
    operations the answer format allows. In emulated mode it runs inside the child process."""

    def __init__(self, grader_client: Any, learner_client: Any, emulated: bool):
        self.grader = grader_client
        self.learner = learner_client
        self.emulated = emulated
        self.validators: dict[tuple[str, str], dict] = {}  # emulated only: (db, collection) -> options

    def ping(self) -> bool:
        return True

    # -- seeds

    def load_seed(self, db_name: str, seed: MongoSeed, timeout: float) -> None:
        db = self.grader[db_name]
        for name, options in seed.validators.items():
            self._create_collection(db_name, name, options, grader=True)
        for name, docs in seed.collections.items():
            if docs:
                db[name].insert_many([dict(d) for d in docs])
            elif name not in db.list_collection_names():
                db.create_collection(name)
        for name, specs in seed.indexes.items():
            for spec in specs:
                options = {k: v for k, v in spec.items() if k != "keys"}
                db[name].create_index(list(spec["keys"].items()), **options)

    # -- operations

    def apply(self, db_name: str, op: MongoOperation, timeout: float) -> str:
        """Run one operation as the learner; a short summary, or OperationError."""
        try:
            return self._apply(db_name, op)
        except EmulationUnsupported:
            raise
        except NotImplementedError as exc:
            raise EmulationUnsupported(f"{op.name} with these options ({exc})") from None
        except Exception as exc:
            if exc.__class__.__module__.startswith(("pymongo", "mongomock", "bson")):
                raise OperationError(_error_text(exc)) from None
            raise

    def _apply(self, db_name: str, op: MongoOperation) -> str:
        db = self.learner[db_name]
        coll = db[op.collection]
        args = op.args
        if op.name in ("createCollection", "collMod"):
            if op.name == "createCollection" and op.collection in db.list_collection_names():
                raise OperationError(f"collection `{op.collection}` already exists (use collMod to change it)")
            if op.name == "collMod" and op.collection not in db.list_collection_names():
                raise OperationError(f"collection `{op.collection}` does not exist (create it first)")
            self._create_collection(db_name, op.collection, args, modify=op.name == "collMod")
            return "ok"
        if op.name == "createIndex":
            options = {k: v for k, v in args.items() if k != "keys"}
            return str(coll.create_index(list(args["keys"].items()), **options))
        if op.name == "dropIndex":
            coll.drop_index(args["name"])
            return "ok"
        if op.name == "insertOne":
            self._validate_new(db_name, op.collection, [args["document"]])
            return f"inserted {coll.insert_one(dict(args['document'])).inserted_id}"
        if op.name == "insertMany":
            documents = [dict(d) for d in args["documents"]]
            self._validate_new(db_name, op.collection, documents)
            return f"inserted {len(coll.insert_many(documents).inserted_ids)}"
        if op.name in ("updateOne", "updateMany", "replaceOne"):
            return self._update(db_name, op)
        if op.name in ("deleteOne", "deleteMany"):
            method = coll.delete_one if op.name == "deleteOne" else coll.delete_many
            return f"deleted {method(args['filter']).deleted_count}"
        if op.name == "shardCollection":
            self.grader.admin.command("shardCollection", f"{db_name}.{op.collection}", key=args["key"],
                                      unique=args.get("unique", False))  # fmt: skip
            return "ok"
        raise OperationError(f"unknown operation {op.name}")

    def _create_collection(
        self, db_name: str, name: str, options: dict, modify: bool = False, grader: bool = False
    ) -> None:
        client = self.grader if grader else self.learner
        db = client[db_name]
        settings = {k: options[k] for k in ("validator", "validationLevel", "validationAction") if k in options}
        if not self.emulated:
            if modify:
                db.command("collMod", name, **settings)
            else:
                db.create_collection(name, **settings)
            return
        if "validator" in settings:
            # Check now that the emulation can evaluate it (raises EmulationUnsupported).
            validator_errors(settings["validator"], {})
        if not modify:
            db.create_collection(name)
        current = self.validators.get((db_name, name), {"validationLevel": "strict", "validationAction": "error"})
        self.validators[(db_name, name)] = {**current, **settings}

    def _validation(self, db_name: str, collection: str) -> dict | None:
        options = self.validators.get((db_name, collection)) if self.emulated else None
        if not options or "validator" not in options or options.get("validationLevel") == "off":
            return None
        return options

    def _validate_new(self, db_name: str, collection: str, documents: list[dict]) -> None:
        options = self._validation(db_name, collection)
        if options is None:
            return
        for document in documents:
            errors = validator_errors(options["validator"], document)
            if errors and options.get("validationAction", "error") == "error":
                raise OperationError("Document failed validation: " + "; ".join(errors))

    def _update(self, db_name: str, op: MongoOperation) -> str:
        coll = self.learner[db_name][op.collection]
        args = op.args
        options = self._validation(db_name, op.collection)
        many = op.name == "updateMany"
        before = []
        if options is not None or self.emulated:
            found = coll.find(args["filter"])
            before = list(found if many else found.limit(1))
        if op.name == "replaceOne":
            result = coll.replace_one(args["filter"], args["replacement"], upsert=args.get("upsert", False))
        else:
            method = coll.update_many if many else coll.update_one
            result = method(args["filter"], args["update"], upsert=args.get("upsert", False))
        if options is not None:
            self._validate_updated(coll, options, before, result.upserted_id)
        if self.emulated:
            _limit_updated(coll, before, result.upserted_id)
        upserted = f", upserted {result.upserted_id}" if result.upserted_id is not None else ""
        return f"matched {result.matched_count}, modified {result.modified_count}{upserted}"

    def _validate_updated(self, coll: Any, options: dict, before: list[dict], upserted_id: Any) -> None:
        """Emulated validation of an update: check the new versions, undo all if one fails."""
        if options.get("validationAction", "error") != "error":
            return
        moderate = options.get("validationLevel") == "moderate"
        problems: list[str] = []
        for old in before:
            if moderate and validator_errors(options["validator"], old):
                continue  # moderate: documents that were already invalid are not checked
            new = coll.find_one({"_id": old["_id"]})
            if new is not None:
                problems += validator_errors(options["validator"], new)
        if upserted_id is not None:
            new = coll.find_one({"_id": upserted_id})
            if new is not None:
                problems += validator_errors(options["validator"], new)
        if problems:
            for old in before:
                coll.replace_one({"_id": old["_id"]}, old)
            if upserted_id is not None:
                coll.delete_one({"_id": upserted_id})
            raise OperationError("Document failed validation: " + "; ".join(problems))

    # -- reading

    def query(
        self, db_name: str, query: MongoQuery, timeout: float, as_grader: bool = False, reverse_groups: bool = False
    ) -> list[dict]:
        """Up to MAX_RESULT_DOCUMENTS + 1 documents of a query (one more tells 'too many').
        Emulated: $group's output comes in this server's shuffle, or its exact reverse."""
        db = (self.grader if as_grader else self.learner)[db_name]
        coll = db[query.collection]
        limit = MAX_RESULT_DOCUMENTS + 1
        extra = {} if self.emulated else {"maxTimeMS": max(1, int(timeout * 1000))}
        if self.emulated:
            from labs.sandbox.mongo_stages import set_group_order

            set_group_order(reverse=reverse_groups)
        try:
            if query.pipeline is not None:
                cursor = coll.aggregate(list(query.pipeline), **extra)
            else:
                cursor = coll.find(query.filter or {}, query.projection)
                if query.sort:
                    cursor = cursor.sort(list(query.sort))
                if query.skip:
                    cursor = cursor.skip(query.skip)
                if query.limit:
                    cursor = cursor.limit(query.limit)
                if extra:
                    cursor = cursor.max_time_ms(extra["maxTimeMS"])
            documents = []
            total = 0
            for document in cursor:
                total += _result_size(document, len(documents) + 1, MAX_RESULT_BYTES - total)
                documents.append(document)
                if len(documents) >= limit:
                    break
            return documents
        except (OperationError, MemoryError):
            raise
        except Exception as exc:
            if self.emulated:
                unsupported = classify_failure(exc, MONGODB_OPERATORS)
                if unsupported:
                    raise EmulationUnsupported(unsupported) from None
            elif not exc.__class__.__module__.startswith(("pymongo", "bson")):
                raise
            if getattr(exc, "code", None) == 50:  # MaxTimeMSExpired
                raise StoreTimeout() from None
            raise OperationError(_error_text(exc)) from None

    def indexes(self, db_name: str, collection: str) -> list[dict]:
        info = self.grader[db_name][collection].index_information()
        return [_normalize_index(name, spec) for name, spec in info.items()]

    def collection_options(self, db_name: str, collection: str) -> dict | None:
        """Validator settings of a collection, or None when it does not exist."""
        db = self.grader[db_name]
        if collection not in db.list_collection_names():
            return None
        if self.emulated:
            return dict(self.validators.get((db_name, collection), {}))
        for info in db.list_collections(filter={"name": collection}):
            return dict(info.get("options", {}))
        return None

    def probe_insert(self, db_name: str, collection: str, document: dict) -> str | None:
        """Insert a document as the learner and remove it again: None if accepted, else why not."""
        coll = self.learner[db_name][collection]
        doc = dict(document)
        doc.setdefault("_id", ObjectId())
        try:
            self._validate_new(db_name, collection, [doc])
            coll.insert_one(doc)
        except OperationError as exc:
            return str(exc)
        except Exception as exc:
            if exc.__class__.__module__.startswith(("pymongo", "mongomock", "bson")):
                return _error_text(exc)
            raise
        self.grader[db_name][collection].delete_one({"_id": doc["_id"]})
        return None

    def explain(self, db_name: str, query: MongoQuery, timeout: float) -> dict:
        if self.emulated:
            raise EmulationUnsupported("explain")
        db = self.learner[db_name]
        if query.pipeline is not None:
            command: dict[str, Any] = {"aggregate": query.collection, "pipeline": list(query.pipeline), "cursor": {}}
        else:
            command = {"find": query.collection, "filter": query.filter or {}}
            if query.projection:
                command["projection"] = query.projection
            if query.sort:
                command["sort"] = dict(query.sort)
            if query.limit:
                command["limit"] = query.limit
        return db.command("explain", command, verbosity="executionStats", maxTimeMS=max(1, int(timeout * 1000)))


def _error_text(exc: Exception) -> str:
    details = getattr(exc, "details", None)
    if isinstance(details, dict) and details.get("errmsg"):
        text = str(details["errmsg"])[:1000]
        info = details.get("errInfo")
        if info:
            text += f" ({_describe(info)[:300]})"
        return text
    # An error may quote the learner's document in full (a duplicate key, a bad value): keep the start.
    text = str(exc).split(", full error:")[0]
    return text if len(text) <= 1000 else text[:999] + "…"


def _limit_updated(coll: Any, before: list[dict], upserted_id: Any) -> None:
    """MongoDB refuses an update whose result is over 16 MiB (or too deep) and keeps the old
    document; mongomock has no limit, so an update that doubles an array each time could grow
    a document without end. Undo the offending documents and fail the way MongoDB does."""
    changed = [(old["_id"], old) for old in before] + ([(upserted_id, None)] if upserted_id is not None else [])
    for _id, old in changed:
        new = coll.find_one({"_id": _id})
        if new is None:
            continue
        try:
            bson_size(new)
            continue
        except TooLarge as exc:
            problem = f"Resulting document after update is larger than {MAX_BSON_SIZE} ({exc.size} bytes or more)"
        except TooDeep:
            problem = f"Resulting document after update nests more than {MAX_NESTING} levels deep"
        except IntegerOutOfRange:
            problem = "Resulting document after update holds a whole number beyond 64 bits"
        if old is None:
            coll.delete_one({"_id": _id})
        else:
            coll.replace_one({"_id": _id}, old)
        raise OperationError(problem)


def _result_size(document: Any, position: int, budget: int) -> int:
    """The BSON size of one result document; OperationError (the learner's) when it is
    over MongoDB's 16 MiB, nests too deep, or the whole result passes MAX_RESULT_BYTES."""
    try:
        return bson_size(document, min(MAX_BSON_SIZE, max(budget, 0) + 1))
    except TooLarge as exc:
        if exc.size > MAX_BSON_SIZE:  # known from an array's length alone, before walking it
            raise OperationError(
                f"BSONObjectTooLarge: result document {position} is larger than MongoDB's 16 MiB document limit "
                f"({str(exc)})"
            ) from None
        raise OperationError(
            f"the first {position} result documents add up to more than {MAX_RESULT_BYTES >> 20} MiB, more than "
            "this grader reads from one query; return only the documents and fields the lab asks for"
        ) from None
    except TooDeep:
        raise OperationError(
            f"result document {position} nests objects and arrays more than {MAX_NESTING} levels deep "
            "(MongoDB's limit for documents)"
        ) from None
    except IntegerOutOfRange:
        raise OperationError(
            f"result document {position} holds a whole number beyond 64 bits, which MongoDB cannot store "
            "(convert big numbers with $toDouble)"
        ) from None


# --------------------------------------------------------------------------- emulated server process


def _serve_emulated(connection: Any, memory_limit: int, account: tuple[int, int] | None) -> None:
    """The emulated server's main loop (in the forked child)."""
    import mongomock

    from labs.sandbox import mongo_stages  # before dropping root: the sandbox user may not read our files

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    if account is not None:  # drop root: this process evaluates the learner's JSON
        os.setgroups([])
        os.setgid(account[1])
        os.setuid(account[0])
    client = mongomock.MongoClient()
    store = DocumentStore(client, client, emulated=True)
    # MongoDB 7's operators that mongomock lacks, and $group's unordered output (a fresh seed
    # per server, so per attempt), patched into this child's mongomock only.
    mongo_stages.install()
    while True:
        try:
            name, args = connection.recv()
        except (EOFError, OSError):
            break
        try:
            connection.send(("ok", getattr(store, name)(*args)))
        except OperationError as exc:
            connection.send(("operation", str(exc)))
        except EmulationUnsupported as exc:
            connection.send(("unsupported", str(exc)))
        except MemoryError:
            connection.send(("memory", ""))
        except Exception as exc:  # a bug of ours or of mongomock: report, keep serving
            connection.send(("internal", f"{type(exc).__name__}: {exc}"))


class EmulatedServer:
    """A DocumentStore in a child process; method calls cross a pipe and obey deadlines."""

    def __init__(self, sandbox: SandboxDir):
        import mongomock  # noqa: F401  (imported before the fork so the child starts fast)

        ids = account_for(sandbox.path)  # the box's own account
        self.connection, child_end = multiprocessing.Pipe()
        statm = Path("/proc/self/statm")
        inherited = int(statm.read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") if statm.exists() else 0
        # A bare fork, not multiprocessing.Process: a Celery pool worker is a daemonic
        # process, and multiprocessing refuses to let those have children.
        self.pid = os.fork()
        if self.pid == 0:  # the child: serve until the pipe closes, never return into the caller
            code = 0
            try:
                self.connection.close()
                # Nothing of the worker's environment, and the sandbox's box (cgroups, an
                # empty network namespace) before dropping root in _serve_emulated.
                os.environ.clear()
                os.environ.update(sandbox_env(sandbox.path))
                if sandbox.box is not None:
                    sandbox.box.enter_from_fork()
                _serve_emulated(child_end, inherited + EMULATED_MEMORY, ids)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        sandbox.add_process(self.pid)
        self.dead = False
        self.reaped = False

    def call(self, name: str, *args: Any, timeout: float = PLATFORM_TIMEOUT) -> Any:
        if self.dead:
            raise SandboxError("the emulated MongoDB server was stopped after an earlier timeout")
        try:
            self.connection.send((name, args))
            ready = self.connection.poll(max(0.0, timeout))
        except (OSError, EOFError) as exc:
            self.stop()
            raise SandboxError(f"the emulated MongoDB server stopped: {exc}") from None
        if not ready:
            self.stop()  # the only way to interrupt a runaway pipeline
            raise StoreTimeout()
        try:
            status, payload = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise SandboxError("the emulated MongoDB server stopped while answering") from None
        if status == "ok":
            return payload
        if status == "operation":
            raise OperationError(payload)
        if status == "unsupported":
            raise EmulationUnsupported(payload)
        if status == "memory":
            raise OperationError("the query needed more memory than the sandbox allows")
        raise SandboxError(f"the emulated MongoDB server failed: {payload}")

    def is_alive(self) -> bool:
        if self.reaped:
            return False
        pid, _ = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.reaped = True
        return not pid

    def stop(self) -> None:
        self.dead = True
        if not self.reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.reaped = True
        self.connection.close()


class RemoteStore:
    """The DocumentStore interface over an EmulatedServer."""

    emulated = True

    def __init__(self, server: EmulatedServer):
        self.server = server

    def load_seed(self, db_name: str, seed: MongoSeed, timeout: float) -> None:
        self.server.call("load_seed", db_name, seed, timeout, timeout=timeout)

    def apply(self, db_name: str, op: MongoOperation, timeout: float) -> str:
        return self.server.call("apply", db_name, op, timeout, timeout=timeout)

    def query(
        self, db_name: str, query: MongoQuery, timeout: float, as_grader: bool = False, reverse_groups: bool = False
    ) -> list[dict]:
        return self.server.call("query", db_name, query, timeout, as_grader, reverse_groups, timeout=timeout)

    def indexes(self, db_name: str, collection: str) -> list[dict]:
        return self.server.call("indexes", db_name, collection)

    def collection_options(self, db_name: str, collection: str) -> dict | None:
        return self.server.call("collection_options", db_name, collection)

    def probe_insert(self, db_name: str, collection: str, document: dict) -> str | None:
        return self.server.call("probe_insert", db_name, collection, document)

    def explain(self, db_name: str, query: MongoQuery, timeout: float) -> dict:
        raise EmulationUnsupported("explain")


@contextmanager
def emulated_store() -> Iterator[RemoteStore]:
    with ExitStack() as stack:
        sandbox = make_sandbox_dir("mongo-emulated")
        stack.callback(remove_sandbox_dir, sandbox)
        server = EmulatedServer(sandbox)
        stack.callback(sandbox.pids.clear)  # reaped by stop(): never signal a reused pid
        stack.callback(server.stop)
        server.call("ping", timeout=START_TIMEOUT)
        yield RemoteStore(server)


# --------------------------------------------------------------------------- real mongod


def _executable(path: str | None) -> str | None:
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def find_mongod() -> str | None:
    """MONGOD when it names an executable, else ``mongod`` on PATH, else None (emulated engine)."""
    return _executable(os.environ.get("MONGOD")) or shutil.which("mongod")


def find_mongos() -> str | None:
    mongod = find_mongod()
    sibling = str(Path(mongod).with_name("mongos")) if mongod else None
    return _executable(os.environ.get("MONGOS")) or _executable(sibling) or shutil.which("mongos")


@dataclass
class MongoProcess:
    role: str  # "mongod", "config", "shard", "mongos"
    port: int
    process: subprocess.Popen
    path: Path


@dataclass
class MongoCluster:
    """The mongod/mongos processes of one attempt and the users that reach them."""

    topology: str
    sandbox: SandboxDir
    processes: list[MongoProcess] = field(default_factory=list)
    grader_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    learner_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    entry_port: int = 0  # where clients connect: the standalone, the primary's set, or mongos
    replica_set: str | None = None
    clients: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for proc in reversed(self.processes):  # mongos first, config servers last
            if proc.process.poll() is None:
                proc.process.kill()
            try:
                proc.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.sandbox.pids.clear()
        remove_sandbox_dir(self.sandbox)


def _start_mongo_process(cluster: MongoCluster, role: str, name: str, extra: list[str], binary: str) -> MongoProcess:
    path = cluster.sandbox.path / name
    path.mkdir(mode=0o700)
    port = free_port()
    args = [binary, "--port", str(port), "--bind_ip", HOST, "--logpath", str(path / f"{role}.log"), "--quiet"]
    if role != "mongos":
        args += [
            "--dbpath", str(path), "--nounixsocket", "--noscripting", "--wiredTigerCacheSizeGB", "0.25",
            "--setParameter", "diagnosticDataCollectionEnabled=false",
        ]  # fmt: skip
    else:
        args += ["--nounixsocket", "--noscripting"]
    args += extra
    chown_to_sandbox_user(path)
    # Not in the box's network namespace: the grader and pymongo reach mongod over TCP on the
    # host's loopback (no mongod here to prove a Unix-socket setup against). Clean env, demoted.
    process = spawn_process(
        args,
        box=None,
        env={"HOME": str(path)},
        cwd=path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cluster.sandbox.add_process(process.pid, port)
    proc = MongoProcess(role, port, process, path)
    cluster.processes.append(proc)
    return proc


def _client(port: int, **kwargs: Any) -> Any:
    import pymongo

    return pymongo.MongoClient(
        HOST, port, directConnection=True, serverSelectionTimeoutMS=int(START_TIMEOUT * 1000), **kwargs
    )


def _wait_mongo(proc: MongoProcess) -> None:
    import pymongo

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            log = proc.path / f"{proc.role}.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-2:] if log.exists() else []
            raise SandboxError(f"{proc.role} exited with code {proc.process.returncode}: {' | '.join(tail)}")
        client = pymongo.MongoClient(HOST, proc.port, directConnection=True, serverSelectionTimeoutMS=200)
        try:
            client.admin.command("ping")
            return
        except pymongo.errors.PyMongoError:
            time.sleep(0.05)
        finally:
            client.close()
    raise SandboxError(f"{proc.role} on port {proc.port} did not start within {START_TIMEOUT:g}s")


def _initiate(port: int, name: str, members: list[int], configsvr: bool = False) -> None:
    """replSetInitiate through the localhost exception, then wait for a primary."""
    client = _client(port)
    try:
        config: dict[str, Any] = {
            "_id": name,
            "members": [
                {"_id": i, "host": f"{HOST}:{p}", "priority": 2 if i == 0 else 1} for i, p in enumerate(members)
            ],
        }
        if configsvr:
            config["configsvr"] = True
        client.admin.command("replSetInitiate", config)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if client.admin.command("hello").get("isWritablePrimary"):
                return
            time.sleep(0.1)
        raise SandboxError(f"replica set {name} elected no primary within {START_TIMEOUT:g}s")
    finally:
        client.close()


def _create_users(cluster: MongoCluster, port: int) -> None:
    """The first user goes in through the localhost exception; then the learner's."""
    client = _client(port)
    try:
        client.admin.command("createUser", "grader", pwd=cluster.grader_password, roles=["root"])
    finally:
        client.close()
    grader = _client(port, username="grader", password=cluster.grader_password, authSource="admin")
    try:
        roles = [{"role": role, "db": db} for db in DATABASES.values() for role in ("readWrite", "dbAdmin")]
        grader.admin.command("createUser", "learner", pwd=cluster.learner_password, roles=roles)
    finally:
        grader.close()


def start_mongo_cluster(topology: str, options: dict[str, Any]) -> MongoCluster:
    mongod = find_mongod()
    if mongod is None:
        raise SandboxError("mongod is not installed")
    cluster = MongoCluster(topology=topology, sandbox=make_sandbox_dir(f"mongo-{topology}"))
    os.chmod(cluster.sandbox.path, 0o711)
    try:
        account = ensure_sandbox_user()
        key_file = cluster.sandbox.path / "keyfile"
        if topology != "standalone":
            # Members authenticate to each other with this shared secret; mongod insists
            # that only its own user can read it.
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o400)
            if account is not None:
                os.chown(key_file, account.pw_uid, account.pw_gid)
        if topology == "standalone":
            proc = _start_mongo_process(cluster, "mongod", "mongod", ["--auth"], mongod)
            _wait_mongo(proc)
            cluster.entry_port = proc.port
            _create_users(cluster, proc.port)
        elif topology == "replica_set":
            name = f"rs-{secrets.token_hex(4)}"
            members = [
                _start_mongo_process(cluster, "mongod", f"member{i}", ["--replSet", name, "--keyFile", str(key_file),
                                                                       "--oplogSize", "64"], mongod)
                for i in range(int(options.get("members", 3)))
            ]  # fmt: skip
            for proc in members:
                _wait_mongo(proc)
            _initiate(members[0].port, name, [p.port for p in members])
            cluster.entry_port, cluster.replica_set = members[0].port, name
            _create_users(cluster, members[0].port)
        else:
            mongos_binary = find_mongos()
            if mongos_binary is None:
                raise SandboxError("mongos is not installed next to mongod")
            common = ["--keyFile", str(key_file), "--oplogSize", "64"]
            config = _start_mongo_process(cluster, "config", "config", ["--configsvr", "--replSet", "cfg"] + common,
                                          mongod)  # fmt: skip
            shards = [
                _start_mongo_process(cluster, "shard", f"shard{i}", ["--shardsvr", "--replSet", f"sh{i}"] + common,
                                     mongod)
                for i in range(int(options.get("shards", 2)))
            ]  # fmt: skip
            for proc in [config, *shards]:
                _wait_mongo(proc)
            _initiate(config.port, "cfg", [config.port], configsvr=True)
            for i, proc in enumerate(shards):
                _initiate(proc.port, f"sh{i}", [proc.port])
            router = _start_mongo_process(
                cluster, "mongos", "mongos", ["--configdb", f"cfg/{HOST}:{config.port}", "--keyFile", str(key_file)],
                mongos_binary,
            )  # fmt: skip
            _wait_mongo(router)
            cluster.entry_port = router.port
            _create_users(cluster, router.port)
            grader = _client(router.port, username="grader", password=cluster.grader_password, authSource="admin")
            try:
                for i, proc in enumerate(shards):
                    grader.admin.command("addShard", f"sh{i}/{HOST}:{proc.port}")
            finally:
                grader.close()
        return cluster
    except BaseException:
        cluster.stop()
        raise


@contextmanager
def mongod_store(topology: str, options: dict[str, Any]) -> Iterator[DocumentStore]:
    cluster = start_mongo_cluster(topology, options)
    try:
        extra = {"replicaSet": cluster.replica_set, "directConnection": False} if cluster.replica_set else {}
        import pymongo

        def connect(user: str, password: str, auth_db: str) -> Any:
            kwargs = {"directConnection": True, **extra}
            return pymongo.MongoClient(
                HOST, cluster.entry_port, username=user, password=password, authSource=auth_db,
                serverSelectionTimeoutMS=int(START_TIMEOUT * 1000), **kwargs,
            )  # fmt: skip

        grader = connect("grader", cluster.grader_password, "admin")
        learner = connect("learner", cluster.learner_password, "admin")
        cluster.clients += [grader, learner]
        yield DocumentStore(grader, learner, emulated=False)
    finally:
        cluster.stop()


# --------------------------------------------------------------------------- attempts


@dataclass
class OperationOutcome:
    operation: MongoOperation
    result: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        outcome = {"operation": self.operation.describe()}
        outcome.update({"error": self.error} if self.error else {"result": self.result})
        return outcome


@dataclass
class MongoAttempt(Attempt):
    store: Any = None  # DocumentStore (mongod) or RemoteStore (emulated)
    engine_kind: str = "emulated"
    parsed: MongoAnswer = field(default_factory=MongoAnswer)
    reference: MongoAnswer = field(default_factory=MongoAnswer)
    outcomes: dict[tuple[str, str], list[OperationOutcome]] = field(default_factory=dict)
    _results: dict[tuple[str, str], list[dict]] = field(default_factory=dict)

    def has_dataset(self, dataset: str) -> bool:
        return dataset == "seed" or (dataset == "hidden" and self.spec.hidden_seed is not None)

    def database(self, dataset: str = "seed", who: str = "learner") -> str:
        """The database holding ``dataset`` after ``who``'s operations ran (prepared on first use)."""
        key = (dataset, who)
        name = DATABASES[key]
        if key in self.outcomes:
            return name
        if not self.has_dataset(dataset):
            raise ValueError(f"{self.spec.root}: this lab has no hidden.json, so no '{dataset}' dataset")
        source = "seed.json" if dataset == "seed" else "hidden.json"
        seed = parse_seed(
            (self.spec.seed if dataset == "seed" else self.spec.hidden_seed) or "", str(self.spec.root / source)
        )
        self._call(lambda t: self.store.load_seed(name, seed, t), platform=True)
        answer = self.parsed if who == "learner" else self.reference
        outcomes = []
        for op in answer.operations:
            try:
                result = self._call(lambda t, op=op: self.store.apply(name, op, t))
                outcomes.append(OperationOutcome(op, result=result))
            except OperationError as exc:
                if who == "solution":
                    raise SandboxError(f"{self.spec.solution_path}: {op.describe()} failed: {exc}") from None
                outcomes.append(OperationOutcome(op, error=str(exc)))
        self.outcomes[key] = outcomes
        return name

    def results(self, dataset: str = "seed", who: str = "learner") -> list[dict]:
        """The documents of the answer's (or the reference's) query; OperationError if it fails."""
        key = (dataset, who)
        if key not in self._results:
            answer = self.parsed if who == "learner" else self.reference
            if answer.query is None:
                raise ValueError("no query in this answer")
            name = self.database(dataset, who)
            query = answer.query
            self._results[key] = self._call(lambda t: self.store.query(name, query, t), platform=who == "solution")
        return self._results[key]

    def results_in_other_group_order(self, dataset: str = "seed") -> list[dict] | None:
        """The learner's query again with every $group's output in the reverse of the first
        run's (equally valid) order, or None when that cannot change anything (a real mongod,
        or no $group). Two runs in opposite orders swap every pair of tied groups, so an
        answer whose order rests on an accidental one shows it here."""
        query = self.parsed.query
        if self.engine_kind != "emulated" or query is None or query.pipeline is None:
            return None
        if not re.search(r'"\$(group|sortByCount)"', json_util.dumps(list(query.pipeline))):
            return None
        name = self.database(dataset, "learner")
        return self._call(lambda t: self.store.query(name, query, t, reverse_groups=True))

    def _call(self, fn: Any, platform: bool = False) -> Any:
        """Run a store call within the attempt's deadline (the learner's time) or the platform's."""
        timeout = PLATFORM_TIMEOUT if platform else self.remaining()
        if not platform and timeout <= 0:
            raise LearnerTimeout(self._timeout_message())
        try:
            return fn(timeout)
        except StoreTimeout:
            if platform:
                raise SandboxError("the MongoDB sandbox did not answer in time") from None
            raise LearnerTimeout(self._timeout_message()) from None
        except EmulationUnsupported as exc:
            raise EngineUnsupported(unsupported_message(str(exc))) from None

    def _timeout_message(self) -> str:
        return (
            f"Your answer ran past this lab's limit of {self.spec.time_limit:g} s. Filter early with $match "
            "(ideally on an indexed field) and avoid stages that multiply documents, like an $unwind of a big "
            "array or a $lookup without a condition."
        )

    def operation_errors(self, dataset: str = "seed") -> list[OperationOutcome]:
        return [o for o in self.outcomes.get((dataset, "learner"), []) if o.error]

    def describe_operation_errors(self, limit: int = 3) -> str:
        errors = self.operation_errors()
        if not errors:
            return ""
        parts = [f"{o.operation.describe()}: {o.error}" for o in errors[:limit]]
        more = f" and {len(errors) - limit} more" if len(errors) > limit else ""
        return "MongoDB refused some of your operations: " + "; ".join(parts) + more + "."


def unsupported_message(what: str) -> str:
    """The verdict for an answer the emulated engine cannot run: it names the operator, and
    says that it is this installation's limit, not the learner's mistake."""
    return (
        f"This installation runs MongoDB labs on an emulated engine (mongomock, no mongod installed), and it "
        f"does not support {what}. On a real MongoDB 7 server your answer may well be right, so this attempt "
        "does not count. To be graded here, write it with other stages or operators (the lesson's are all "
        "supported), or ask your instructor."
    )


class MongoEngine:
    name = "mongo"

    @property
    def kind(self) -> str:
        return "mongod" if find_mongod() else "emulated"

    def capabilities(self) -> frozenset[str]:
        if self.kind == "emulated":
            return EMULATED_CAPABILITIES
        capabilities = set(MONGOD_CAPABILITIES)
        if find_mongos() is None:
            capabilities.discard("sharding")
        return frozenset(capabilities)

    def needs(self, spec: LabSpec) -> set[str]:
        """What a lab needs: its topology's capability, ``requires``, and explain checks."""
        needs = set(TOPOLOGY_NEEDS.get(spec.topology, set())) | set(spec.requires)
        if any(check.type == "mongo" and "explain" in check.params for check in spec.checks):
            needs.add("explain")
        return needs

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        available = self.capabilities()
        missing = {}
        for need in sorted(self.needs(spec) - available):
            if self.kind == "emulated":
                missing[need] = EMULATED_REASONS.get(
                    need, f"the emulated MongoDB engine (mongomock) cannot provide '{need}'; install mongod"
                )
            elif need == "sharding":
                missing[need] = "mongos is not installed next to mongod (set MONGOS)"
            else:
                missing[need] = f"this installation's MongoDB does not provide '{need}'"
        return missing

    @contextmanager
    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[MongoAttempt]:
        parsed = parse_learner_answer(answer, spec.topology)
        try:
            reference = parse_answer(
                spec.solution_path.read_text(encoding="utf-8"), spec.topology, str(spec.solution_path)
            )
        except AnswerFormatError as exc:
            raise SandboxError(str(exc)) from None
        with ExitStack() as stack:
            if self.kind == "emulated":
                if spec.topology != "standalone":
                    raise SandboxError(f"the emulated MongoDB engine cannot run the {spec.topology} topology")
                store: Any = stack.enter_context(emulated_store())
            else:
                store = stack.enter_context(mongod_store(spec.topology, spec.engine_options))
            attempt = MongoAttempt(
                spec=spec,
                answer=answer,
                deadline=deadline,
                store=store,
                engine_kind=self.kind,
                parsed=parsed,
                reference=reference,
            )
            attempt.database("seed", "learner")
            yield attempt


ENGINE = MongoEngine()
