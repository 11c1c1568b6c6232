"""``DocumentStore``: the Mongo operations, queries and seeds of an attempt run on one client
(pymongo against mongod, or mongomock in the emulated server), with the result-size and
validation rules mongomock does not enforce itself.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from labs.engines.mongo.answer import (
    MAX_RESULT_DOCUMENTS,
    MONGODB_OPERATORS,
    MongoOperation,
    MongoQuery,
    MongoSeed,
    OperationError,
    StoreTimeout,
)
from labs.engines.mongo.geo import explain_unsupported
from labs.sandbox.bounds import (
    MAX_BSON_SIZE,
    MAX_NESTING,
    MAX_RESULT_BYTES,
    IntegerOutOfRange,
    TooDeep,
    TooLarge,
    bson_size,
)
from labs.sandbox.mongo_emulation import (
    EmulationUnsupported,
    _describe,
    classify_failure,
    unsupported_feature,
    validator_errors,
)

PLATFORM_TIMEOUT = 20.0  # seconds for one grader call that is not the learner's work
START_TIMEOUT = 30.0  # seconds for mongod processes to accept connections / elect a primary

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
            raise EmulationUnsupported(explain_unsupported(f"{op.name} with these options ({exc})")) from None
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
                    raise EmulationUnsupported(explain_unsupported(unsupported)) from None
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
