"""The learner's answer and the lab's seeds, parsed: MongoDB extended JSON into queries and
operations (errors give line and column), with the stages and operators a learner may not use
refused, each with its reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bson import ObjectId, json_util

from labs.attempt import AnswerRejected
from labs.sandbox.base import SandboxError
from labs.sandbox.bounds import (
    MAX_NESTING,
    IntegerOutOfRange,
    check_integers,
    json_depth_error,
)

MAX_ANSWER_BYTES = 256 * 1024
MAX_OPERATIONS = 1000
MAX_INSERT_DOCUMENTS = 10_000
MAX_RESULT_DOCUMENTS = 1000  # compared per query; more than that is a runaway answer

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
