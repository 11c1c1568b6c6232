"""MongoDB checks: query and pipeline results against the reference (solution.json) on the
lab's data and on hidden data, index specs, validator behaviour, and query plans (explain)
where the engine can.

lab.toml (every parameter is optional; a check holds when all the ones given hold)::

    [[checks]]
    type = "mongo"
    result = true                    # the answer's query returns what solution.json's returns
    datasets = ["seed", "hidden"]    # for result; default: both when the lab has hidden.json
    ordered = true                   # default: only when the reference sorts last ($sort, $sortByCount,
                                     # or a find with sort) - ties may come in any order
    tolerance = 1e-6                 # relative and absolute, for numbers
    ignore_fields = ["_id"]          # left out of the comparison

    indexes = [{collection = "orders", keys = [["customer", 1], ["placed", -1]], unique = true}]
    validator = {collection = "orders",
                 reject = [{qty = -1}, '{"placed": {"$date": "not a date"}}'],   # tables or extended JSON
                 accept = [{sku = "A1", qty = 3}]}
    explain = {collection = "orders", find = {customer = "ada"},   # or pipeline = [...], or query = "answer"
               forbid_stages = ["COLLSCAN"], require_stages = ["IXSCAN"], index = "customer_1",
               max_docs_examined = 10}
    hint = "..."                     # replaces the generic hint when the check fails
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import json_util

from labs.checks import hidden_cases
from labs.checks.output_bounds import clip, clip_text
from labs.result import CheckResult
from labs.sandbox.mongo import (
    MAX_RESULT_DOCUMENTS,
    AnswerFormatError,
    MongoAttempt,
    MongoQuery,
    OperationError,
    load_extended_json,
    parse_query,
)
from labs.spec import CheckSpec

KNOWN_PARAMS = {
    "result",
    "datasets",
    "ordered",
    "tolerance",
    "ignore_fields",
    "indexes",
    "validator",
    "explain",
    "hint",
}
ORDER_RESETTING_STAGES = {"$group", "$bucket", "$bucketAuto", "$facet", "$unionWith", "$sample"}
DATASET_LABELS = {
    "seed": "on the lab's data",
    "hidden": "on the hidden dataset (same collections, other documents: missing fields, nulls, ties)",
}
PREVIEW = 20


class CheckParamError(ValueError):
    """A lab author's mistake in a check's parameters: a platform fault, never the learner's."""


@dataclass
class Problem:
    message: str
    hint: str = ""


def check(attempt: MongoAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    where = f"{attempt.spec.root}/lab.toml checks[{check_spec.index}]"
    unknown = sorted(set(params) - KNOWN_PARAMS)
    if unknown:
        raise CheckParamError(f"{where}: unknown parameter(s) {', '.join(unknown)}; known: {sorted(KNOWN_PARAMS)}")
    problems: list[Problem] = []
    verified: list[str] = []
    artifacts: dict[str, Any] = {}
    if params.get("result"):
        problems += _check_result(attempt, params, where, verified, artifacts)
    if "indexes" in params:
        problems += _check_indexes(attempt, params["indexes"], where, verified)
    if "validator" in params:
        problems += _check_validator(attempt, params["validator"], where, verified)
    if "explain" in params:
        problems += _check_explain(attempt, params["explain"], where, verified, artifacts)
    outcomes = attempt.outcomes.get(("seed", "learner"), [])
    if outcomes:
        artifacts["operations"] = [o.to_dict() for o in outcomes[:50]]
    if not problems:
        summary = "; ".join(dict.fromkeys(verified)) or "nothing to verify"
        return CheckResult(name="", passed=True, message=f"As expected: {summary}.", artifacts=artifacts)
    message = problems[0].message
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''}, listed below)"
        artifacts["problems"] = [p.message for p in problems]
    hints = [params.get("hint") or problems[0].hint, attempt.describe_operation_errors()]
    return CheckResult(
        name="", passed=False, message=message, hint=" ".join(h for h in hints if h), artifacts=artifacts
    )


# --------------------------------------------------------------------------- values


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if type(value).__name__ == "Decimal128":
        return float(value.to_decimal())
    return None


def close(expected: Any, actual: Any, tolerance: float) -> bool:
    """Equal as MongoDB documents, with numbers equal within ``tolerance`` whatever their BSON
    type (an int 10 and a double 10.0 are the same total); key order does not matter."""
    a, b = _number(expected), _number(actual)
    if a is not None or b is not None:
        if a is None or b is None:
            return False
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(close(expected[k], actual[k], tolerance) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            close(e, x, tolerance) for e, x in zip(expected, actual, strict=True)
        )
    if isinstance(expected, datetime) and isinstance(actual, datetime):
        return expected.replace(tzinfo=None) == actual.replace(tzinfo=None)
    return type(expected) is type(actual) and expected == actual


def show(document: Any, limit: int = 200) -> str:
    # clip first: the document is the learner's, and dumping it whole could take megabytes
    text = json_util.dumps(clip(document, depth=6, items=12, chars=limit), json_options=json_util.RELAXED_JSON_OPTIONS)
    return clip_text(text, limit)


def preview(documents: list[dict], budget: int = 20_000) -> dict[str, Any]:
    """The first documents as the table every verdict shows (``columns``, ``rows``,
    ``truncated``, ``row_count``): one column per top-level field in order of appearance,
    nested values as relaxed extended JSON, a field a document lacks as "(missing)"."""
    shown: list[dict] = []
    for document in documents[:PREVIEW]:
        text = json_util.dumps(clip(document), json_options=json_util.RELAXED_JSON_OPTIONS)
        budget -= len(text)
        if budget < 0:
            break
        shown.append(json.loads(text))
    columns = list(dict.fromkeys(key for document in shown for key in document))
    rows = [[_cell(document, column) for column in columns] for document in shown]
    return {"columns": columns, "rows": rows, "truncated": len(shown) < len(documents), "row_count": len(documents)}


def _cell(document: dict, column: str) -> Any:
    if column not in document:
        return "(missing)"
    value = document[column]
    if isinstance(value, (dict, list)):
        return clip_text(json.dumps(value, separators=(", ", ": ")), 200)
    return value


def _get_path(document: dict, path: str) -> tuple[bool, Any]:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def sort_fields(query: MongoQuery) -> list[str] | None:
    """The fields the query's output is sorted by, or None when its order is not defined."""
    if query.pipeline is None:
        return [name for name, _ in query.sort] or None
    fields: list[str] | None = None
    for stage in query.pipeline:
        name = next(iter(stage))
        if name == "$sort":
            fields = list(stage["$sort"])
        elif name == "$sortByCount":
            fields = ["count"]
        elif name in ORDER_RESETTING_STAGES:
            fields = None
    return fields


# --------------------------------------------------------------------------- result


def _check_result(
    attempt: MongoAttempt, params: dict, where: str, verified: list[str], artifacts: dict[str, Any]
) -> list[Problem]:
    if attempt.reference.query is None:
        raise CheckParamError(f"{where}.result: solution.json has no query to compare with")
    if attempt.parsed.query is None:
        return [
            Problem(
                "Expected a query in your answer, but it only has operations.",
                'Add one: {"collection": "orders", "pipeline": [...]} for an aggregation, or '
                '{"collection": "orders", "find": {...}} for a find.',
            )
        ]
    default = ["seed", "hidden"] if attempt.has_dataset("hidden") else ["seed"]
    datasets = params.get("datasets", default)
    if isinstance(datasets, str):
        datasets = [datasets]
    if not isinstance(datasets, list) or not datasets or any(d not in DATASET_LABELS for d in datasets):
        raise CheckParamError(f"{where}.datasets: must be a list drawn from 'seed' and 'hidden'")
    for dataset in datasets:
        if not attempt.has_dataset(dataset):
            raise CheckParamError(f"{where}.datasets: '{dataset}' needs a hidden.json in the lab folder")
    tolerance = float(params.get("tolerance", 1e-6))
    ignore = [str(f) for f in params.get("ignore_fields", [])]
    keys = sort_fields(attempt.reference.query)
    ordered = params.get("ordered", keys is not None)
    problems: list[Problem] = []
    passed: list[str] = []
    for dataset in datasets:
        expected = [_strip(d, ignore) for d in attempt.results(dataset, "solution")]
        try:
            actual = [_strip(d, ignore) for d in attempt.results(dataset, "learner")]
        except OperationError as exc:
            if dataset == "hidden":
                return [_hidden_refusal(attempt.parsed.query, str(exc))]
            return [_refusal(attempt.parsed.query, str(exc))]
        if dataset != "hidden":  # the hidden dataset's documents never reach the learner
            artifacts["preview"], artifacts["expected_preview"] = preview(actual), preview(expected)
        problem = compare_documents(expected, actual, tolerance, keys if ordered else None, bool(ordered))
        if problem is not None and dataset == "hidden":
            problem = hidden_problem(expected, actual, tolerance, keys if ordered else None, bool(ordered))
        if problem is None and ordered:
            problem = _order_rests_on_group(attempt, dataset, expected, tolerance, keys)
        if problem is None:
            verified.append(f"{len(expected)} document(s) match the reference {DATASET_LABELS[dataset]}")
            passed.append(dataset)
            continue
        if len(datasets) > 1 or dataset != "seed":
            label = DATASET_LABELS[dataset]
            problem = Problem(f"{label[0].upper()}{label[1:]}: {problem.message}", problem.hint)
            if dataset == "hidden" and "seed" in passed:
                problem.hint += (
                    " Your answer works on the lab's data but not on other data: make sure it does not depend "
                    "on particular values, and that missing fields and nulls are handled."
                )
        problems.append(problem)
    return problems


# What our own limits say (bounds.py): these texts quote no document, so they may be shown.
_LIMIT_ERRORS = ("16 MiB", "levels deep", "beyond 64 bits", "this grader reads", "more memory than the sandbox")
_SIZE_HINT = (
    "Your documents grew past what MongoDB stores: a stage that concatenates or doubles an array "
    "($concatArrays, $push in a loop of stages) grows a document exponentially. Build only the fields the lab "
    "asks for."
)


def _refusal(query: MongoQuery, error: str) -> Problem:
    if any(marker in error for marker in _LIMIT_ERRORS):
        return Problem(f"MongoDB refused {query.describe()}: {error}", _SIZE_HINT)
    return Problem(
        f"MongoDB refused {query.describe()}: {clip_text(error, 500)}",
        "Check the stage and operator names and their arguments against the MongoDB documentation.",
    )


def _hidden_refusal(query: MongoQuery, error: str) -> Problem:
    """A failure on the hidden dataset: its error text can quote hidden values, so only our
    own limit messages (which quote nothing) are shown."""
    if any(marker in error for marker in _LIMIT_ERRORS):
        return Problem(f"{DATASET_LABELS['hidden']}: MongoDB refused {query.describe()}: {error}", _SIZE_HINT)
    return Problem(
        f"On the hidden dataset, MongoDB refused {query.describe()} although it ran on the lab's data: an "
        "operator met a value it does not take there (a missing field, a null, a string where a number was "
        "expected, a zero divisor).",
        "Guard operators against missing fields and nulls ($ifNull, $type, a $match before them), and divisions "
        "against zero ($cond).",
    )


def hidden_problem(
    expected: list[dict], actual: list[dict], tolerance: float, keys: list[str] | None, ordered: bool
) -> Problem:
    """What differs on the hidden dataset, as counts and kinds of case: no document of it,
    and nothing of the reference's output on it, is quoted."""
    if len(actual) > MAX_RESULT_DOCUMENTS:
        return Problem(
            f"Your query returned more than {MAX_RESULT_DOCUMENTS} documents; the expected result has {len(expected)}.",
            "Filter with $match and group or limit as the lab asks.",
        )
    missing, extra = _unmatched(expected, actual, tolerance)
    fields = {k for d in expected for k in d}

    def lacks_field(document: Any) -> bool:
        return isinstance(document, dict) and not fields <= document.keys()

    if missing or extra:
        counted = None if len(expected) == len(actual) else expected
        kinds = hidden_cases.kinds_of(missing + extra, counted, lacks_field)
        if len(expected) == len(actual):
            seen = f"Your query returned the expected number of documents ({len(actual)}), but {len(missing)} differ"
        else:
            seen = f"Expected {len(expected)} document(s), your query returned {len(actual)}"
        return Problem(
            f"{seen}. The documents that differ involve {hidden_cases.describe(kinds)}.",
            hidden_cases.hint_for(kinds),
        )
    values = [tuple(repr(_get_path(d, k)[1]) for k in keys or []) for d in expected]
    kinds = [hidden_cases.TIES] if keys and hidden_cases.has_ties(values) else [hidden_cases.SHAPE]
    by = f" (sorted by {', '.join(keys)})" if keys else ""
    return Problem(
        f"You return the right documents, but not in the expected order{by}; this data has "
        f"{hidden_cases.describe(kinds)}.",
        hidden_cases.hint_for(kinds)
        + " Sort with $sort after the stages that change the documents ($group loses any earlier order).",
    )


def _unmatched(expected: list[dict], actual: list[dict], tolerance: float) -> tuple[list[dict], list[dict]]:
    """(expected documents with no equal in ``actual``, documents of ``actual`` left over)."""
    remaining = list(range(len(actual)))
    missing = []
    for doc in expected:
        match = next((i for i in remaining if close(doc, actual[i], tolerance)), None)
        if match is None:
            missing.append(doc)
        else:
            remaining.remove(match)
    return missing, [actual[i] for i in remaining]


def _strip(document: dict, ignore: list[str]) -> dict:
    return {k: v for k, v in document.items() if k not in ignore} if ignore else document


def compare_documents(
    expected: list[dict], actual: list[dict], tolerance: float, keys: list[str] | None, ordered: bool
) -> Problem | None:
    """None when ``actual`` matches ``expected``; else what differs, for a learner."""
    if len(actual) > MAX_RESULT_DOCUMENTS:
        return Problem(
            f"Your query returned more than {MAX_RESULT_DOCUMENTS} documents; the expected result has {len(expected)}.",
            "Filter with $match and group or limit as the lab asks.",
        )
    missing, extra = _unmatched(expected, actual, tolerance)
    if missing or extra:
        return _difference_problem(expected, actual, missing, extra)
    if not ordered:
        return None
    if keys and all(_get_path(d, k)[0] for d in expected + actual for k in keys):
        # Compare the sequence of sort keys, so tied documents may come in any order.
        for position, (e, a) in enumerate(zip(expected, actual, strict=True), start=1):
            if not all(close(_get_path(e, k)[1], _get_path(a, k)[1], tolerance) for k in keys):
                return _order_problem(position, e, a, keys)
        return None
    for position, (e, a) in enumerate(zip(expected, actual, strict=True), start=1):
        if not close(e, a, tolerance):
            return _order_problem(position, e, a, keys)
    return None


def _order_rests_on_group(
    attempt: MongoAttempt, dataset: str, expected: list[dict], tolerance: float, keys: list[str] | None
) -> Problem | None:
    """The order is right, but is it right by luck? mongod emits $group's documents in no
    defined order; run the answer again with them in the reverse of the first run's order."""
    try:
        again = attempt.results_in_other_group_order(dataset)
    except OperationError:
        return None  # it ran once; a failure now is not about order
    if again is None or compare_documents(expected, again, tolerance, keys, True) is None:
        return None
    position = next(
        (i for i, (e, a) in enumerate(zip(expected, again, strict=False), start=1) if not close(e, a, tolerance)), 1
    )
    seen = "" if dataset == "hidden" else f" (document {position} became {show(again[position - 1])})"
    return Problem(
        "Your documents came out in the expected order this time, but only because of the order $group happened "
        f"to produce: with its groups in another, equally valid order your order changed{seen}. MongoDB does not "
        "order $group's output, so documents that tie on every field of your $sort can come in any order.",
        "Add the lab's tie-breaker as a further field of your final $sort, after the stages that change the "
        "documents.",
    )


def _order_problem(position: int, expected: dict, actual: dict, keys: list[str] | None) -> Problem:
    by = f" (sorted by {', '.join(keys)})" if keys else ""
    return Problem(
        f"You return the right documents, but not in the expected order{by}: document {position} should be "
        f"{show(expected)}, yours is {show(actual)}.",
        "Sort with $sort after the stages that change the documents ($group loses any earlier order); "
        "1 sorts ascending, -1 descending.",
    )


def _difference_problem(expected: list[dict], actual: list[dict], missing: list[dict], extra: list[dict]) -> Problem:
    expected_fields = sorted({k for d in expected for k in d})
    actual_fields = sorted({k for d in actual for k in d})
    if len(expected) == len(actual):
        parts = [f"Your query returns the expected number of documents ({len(actual)}), but not the same ones."]
    else:
        parts = [f"Expected {len(expected)} document(s), your query returned {len(actual)}."]
    if missing:
        parts.append(
            f"Missing from yours: {show(missing[0])}" + (f" and {len(missing) - 1} more." if len(missing) > 1 else ".")
        )
    if extra:
        parts.append(f"Not expected: {show(extra[0])}" + (f" and {len(extra) - 1} more." if len(extra) > 1 else "."))
    if expected and actual and expected_fields != actual_fields:
        hint = (
            f"Your documents have the fields {', '.join(actual_fields)}; the expected ones have "
            f"{', '.join(expected_fields)}. Name and shape the output with $project (or $group's field names)."
        )
    elif len(expected) != len(actual):
        hint = (
            "Check which documents your $match keeps and what your $group groups by: documents with a missing "
            "or null field still form a group (with _id null) unless you filter them out."
        )
    else:
        hint = (
            "Same documents, different values: check the arithmetic, and how $sum and $avg treat missing "
            "fields and nulls ($sum counts them as 0, $avg skips them)."
        )
    return Problem(" ".join(parts), hint)


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
        if _number(dir_a) is not None and _number(dir_b) is not None:
            if _number(dir_a) != _number(dir_b):
                return False
        elif dir_a != dir_b:
            return False
    return True


def _show_keys(pairs: list[list[Any]]) -> str:
    return "{" + ", ".join(f"{name}: {direction}" for name, direction in pairs) + "}"


def _check_indexes(attempt: MongoAttempt, items: Any, where: str, verified: list[str]) -> list[Problem]:
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


def _check_validator(attempt: MongoAttempt, config: Any, where: str, verified: list[str]) -> list[Problem]:
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


def _check_explain(
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
