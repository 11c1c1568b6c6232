"""The Mongo checks on what an answer built rather than returned: its indexes (keys, unique,
partial, TTL), its collection validator (documents it must accept and refuse) and its query plan
(explain: the stages and numbers the plan must show).
"""

from __future__ import annotations

import json
from typing import Any

from bson import json_util

from labs.checks.mongo_values import CheckParamError, Problem, as_number, close, show
from labs.sandbox.mongo import (
    AnswerFormatError,
    MongoAttempt,
    OperationError,
    load_extended_json,
    parse_query,
)

# --------------------------------------------------------------------------- indexes


def _key_pairs(value: Any, where: str) -> list[list[Any]]:
    if isinstance(value, dict):
        return [[k, v] for k, v in value.items()]
    if isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 for p in value):
        return [[str(p[0]), p[1]] for p in value]
    raise CheckParamError(f'{where}: keys must be a table like {{customer = 1}} or a list like [["customer", 1]]')


def _same_keys(a: list[list[Any]], b: list[list[Any]]) -> bool:
    if len(a) != len(b):
        return False
    for (name_a, dir_a), (name_b, dir_b) in zip(a, b, strict=True):
        if name_a != name_b:
            return False
        if as_number(dir_a) is not None and as_number(dir_b) is not None:
            if as_number(dir_a) != as_number(dir_b):
                return False
        elif dir_a != dir_b:
            return False
    return True


def _show_keys(pairs: list[list[Any]]) -> str:
    return "{" + ", ".join(f"{name}: {direction}" for name, direction in pairs) + "}"


def check_indexes(attempt: MongoAttempt, items: Any, where: str, verified: list[str]) -> list[Problem]:
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CheckParamError(f"{where}.indexes: must be a list of tables")
    db = attempt.database()
    problems = []
    for item in items:
        if "collection" not in item or "keys" not in item:
            raise CheckParamError(f"{where}.indexes: every entry needs 'collection' and 'keys'")
        collection = str(item["collection"])
        wanted = _key_pairs(item["keys"], f"{where}.indexes")
        options = {
            k: item[k] for k in ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds") if k in item
        }
        label = f"an index on `{collection}` with keys {_show_keys(wanted)}"
        if options:
            label += " (" + ", ".join(f"{k}: {json_util.dumps(v)}" for k, v in options.items()) + ")"
        existing = attempt.store.indexes(db, collection)
        same_keys = [ix for ix in existing if _same_keys(ix["keys"], wanted)]
        if not same_keys:
            listing = "; ".join(f"{ix['name']} {_show_keys(ix['keys'])}" for ix in existing) or "none"
            reordered = [ix for ix in existing if sorted(map(str, ix["keys"])) == sorted(map(str, wanted))]
            hint = (
                "The order of fields in a compound index matters: put equality fields first, then the sort "
                "field, then range fields (the ESR rule)."
                if reordered
                else 'Create it with {"createIndex": "' + collection + '", "keys": ' + _show_json(wanted) + "}."
            )
            problems.append(Problem(f"Expected {label}; the collection has: {listing}.", hint))
            continue
        if "name" in item and not any(ix["name"] == item["name"] for ix in same_keys):
            names = ", ".join(ix["name"] for ix in same_keys)
            problems.append(
                Problem(
                    f"Expected {label} named `{item['name']}`, but it is named {names}.",
                    'Name it with "name" in createIndex.',
                )
            )
            continue
        mismatched = []
        for option, value in options.items():
            if not any(
                close(value, ix.get(option, False if option in ("unique", "sparse") else None), 0) for ix in same_keys
            ):
                mismatched.append(option)
        if mismatched:
            seen = ", ".join(
                f"{o}: {json_util.dumps(same_keys[0][o]) if o in same_keys[0] else 'not set'}" for o in mismatched
            )
            problems.append(
                Problem(
                    f"Expected {label}; the index {same_keys[0]['name']} has the right keys but {seen}.",
                    "Options cannot be changed in place: drop the index (dropIndex) and create it again with "
                    "the options.",
                )
            )
            continue
        verified.append(f"`{collection}` has {label.removeprefix(f'an index on `{collection}` with ')}")
    return problems


def _show_json(pairs: list[list[Any]]) -> str:
    return "{" + ", ".join(f'"{name}": {json_util.dumps(direction)}' for name, direction in pairs) + "}"


# --------------------------------------------------------------------------- validator


def _documents(value: Any, where: str) -> list[dict]:
    items = value if isinstance(value, list) else [value]
    documents = []
    for item in items:
        if isinstance(item, str):
            try:
                item = load_extended_json(item, where)
            except AnswerFormatError as exc:
                raise CheckParamError(str(exc)) from None
        if not isinstance(item, dict):
            raise CheckParamError(f"{where}: documents are tables or extended-JSON strings")
        documents.append(item)
    return documents


def check_validator(attempt: MongoAttempt, config: Any, where: str, verified: list[str]) -> list[Problem]:
    if not isinstance(config, dict) or "collection" not in config:
        raise CheckParamError(f"{where}.validator: must be a table with 'collection', 'reject' and/or 'accept'")
    collection = str(config["collection"])
    reject = _documents(config.get("reject", []), f"{where}.validator.reject")
    accept = _documents(config.get("accept", []), f"{where}.validator.accept")
    if not reject and not accept:
        raise CheckParamError(f"{where}.validator: give documents to 'reject' and/or 'accept'")
    db = attempt.database()
    options = attempt.store.collection_options(db, collection)
    if options is None:
        return [
            Problem(
                f"Expected a collection `{collection}` with a validator, but it does not exist.",
                f'Create it with {{"createCollection": "{collection}", "validator": {{"$jsonSchema": {{...}}}}}}.',
            )
        ]
    if not options.get("validator"):
        return [
            Problem(
                f"Expected `{collection}` to have a validator, but it has none.",
                f'Add one with {{"collMod": "{collection}", "validator": {{...}}}} (or createCollection).',
            )
        ]
    warn = options.get("validationAction") == "warn"
    problems = []
    for document in reject:
        if attempt.store.probe_insert(db, collection, document) is None:
            extra = ' Your validationAction is "warn", which only logs invalid documents.' if warn else ""
            problems.append(
                Problem(
                    f"Expected `{collection}` to reject {show(document)}, but it was accepted.{extra}",
                    'Tighten the validator: required fields go in "required", and each property can have a '
                    "bsonType, minimum/maximum, enum or pattern.",
                )
            )
    for document in accept:
        error = attempt.store.probe_insert(db, collection, document)
        if error is not None:
            problems.append(
                Problem(
                    f"Expected `{collection}` to accept {show(document)}, but MongoDB rejected it: {error}",
                    'The validator is too strict for valid documents: check bsonType ("int" refuses 2.5 and '
                    '"double" refuses 2; "number" takes both) and which fields are really required.',
                )
            )
    if not problems:
        verified.append(
            f"`{collection}` rejects the {len(reject)} invalid and accepts the {len(accept)} valid document(s)"
        )
    return problems


# --------------------------------------------------------------------------- explain


def _plan_stages(node: Any, found: list[dict]) -> None:
    if isinstance(node, dict):
        if "stage" in node:
            found.append({"stage": node["stage"], "indexName": node.get("indexName")})
        for key, value in node.items():
            if key in ("rejectedPlans", "allPlansExecution"):
                continue  # only the plan that ran counts
            _plan_stages(value, found)
    elif isinstance(node, list):
        for item in node:
            _plan_stages(item, found)


def _find_number(node: Any, key: str) -> int | None:
    if isinstance(node, dict):
        if isinstance(node.get(key), (int, float)):
            return int(node[key])
        total = None
        for name, value in node.items():
            if name in ("rejectedPlans", "allPlansExecution"):
                continue
            found = _find_number(value, key)
            if found is not None:
                total = (total or 0) + found
        return total
    if isinstance(node, list):
        values = [v for v in (_find_number(item, key) for item in node) if v is not None]
        return sum(values) if values else None
    return None


def check_explain(
    attempt: MongoAttempt, config: Any, where: str, verified: list[str], artifacts: dict[str, Any]
) -> list[Problem]:
    if not isinstance(config, dict):
        raise CheckParamError(f"{where}.explain: must be a table")
    if config.get("query") == "answer":
        query = attempt.parsed.query
        if query is None:
            return [Problem("Expected a query in your answer to explain, but it only has operations.", "")]
    else:
        raw = {k: config[k] for k in ("collection", "find", "pipeline", "projection", "sort", "limit") if k in config}
        try:
            query = parse_query(raw)
        except AnswerFormatError as exc:
            raise CheckParamError(f"{where}.explain: {exc}") from None
    try:
        plan = attempt._call(lambda t: attempt.store.explain(attempt.database(), query, t))
    except OperationError as exc:
        return [Problem(f"MongoDB could not explain {query.describe()}: {exc}", "")]
    stages: list[dict] = []
    _plan_stages(plan, stages)
    names = [s["stage"] for s in stages]
    artifacts["plan"] = json.loads(json_util.dumps(plan, json_options=json_util.RELAXED_JSON_OPTIONS))
    problems = []
    for stage in config.get("forbid_stages", []):
        if stage in names:
            problems.append(
                Problem(
                    f"Expected the plan for {query.describe()} to avoid {stage}, but it uses it "
                    f"(stages: {' → '.join(names)}).",
                    "COLLSCAN reads every document: create an index whose leading fields are the ones the query "
                    "filters on with equality, then the sort field.",
                )
            )
    for stage in config.get("require_stages", []):
        if stage not in names:
            problems.append(
                Problem(
                    f"Expected the plan for {query.describe()} to use {stage}; it uses {' → '.join(names)}.",
                    "Create an index that matches the query's filter and sort.",
                )
            )
    if "index" in config:
        used = {s["indexName"] for s in stages if s.get("indexName")}
        if config["index"] not in used:
            problems.append(
                Problem(
                    f"Expected the plan to use the index `{config['index']}`; it uses "
                    f"{', '.join(sorted(used)) or 'no index'}.",
                    "Check the index's name and key order.",
                )
            )
    if "max_docs_examined" in config:
        examined = _find_number(plan, "totalDocsExamined")
        if examined is not None and examined > int(config["max_docs_examined"]):
            problems.append(
                Problem(
                    f"Expected at most {config['max_docs_examined']} documents examined, "
                    f"but MongoDB examined {examined}.",
                    "An index that covers the whole filter lets MongoDB fetch only the matching documents.",
                )
            )
    if not problems:
        verified.append(f"the plan for {query.describe()} is {' → '.join(names)}")
    return problems
