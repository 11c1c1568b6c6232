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
    state = [{collection = "products", sort = {_id = 1}}]   # the collection after the answer's operations
                                     # (labs.checks.mongo_state)
    explain = {collection = "orders", find = {customer = "ada"},   # or pipeline = [...], or query = "answer"
               forbid_stages = ["COLLSCAN"], require_stages = ["IXSCAN"], index = "customer_1",
               max_docs_examined = 10}
    hint = "..."                     # replaces the generic hint when the check fails
"""

from __future__ import annotations

from typing import Any

from labs.checks import hidden_cases
from labs.checks.mongo_schema import check_explain, check_indexes, check_validator
from labs.checks.mongo_state import check_state
from labs.checks.mongo_values import CheckParamError, Problem, close, get_path, preview, show, sort_fields
from labs.checks.output_bounds import clip_text
from labs.result import CheckResult
from labs.sandbox.mongo import (
    MAX_RESULT_DOCUMENTS,
    MongoAttempt,
    MongoQuery,
    OperationError,
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
    "state",
    "hint",
}

DATASET_LABELS = {
    "seed": "on the lab's data",
    "hidden": "on the hidden dataset (same collections, other documents: missing fields, nulls, ties)",
}


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
        problems += check_indexes(attempt, params["indexes"], where, verified)
    if "validator" in params:
        problems += check_validator(attempt, params["validator"], where, verified)
    if "explain" in params:
        problems += check_explain(attempt, params["explain"], where, verified, artifacts)
    if "state" in params:
        default = ["seed", "hidden"] if attempt.has_dataset("hidden") else ["seed"]
        datasets = params.get("datasets", default)
        problems += check_state(attempt, params["state"], datasets, where, verified, compare_documents, hidden_problem)
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
    values = [tuple(repr(get_path(d, k)[1]) for k in keys or []) for d in expected]
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
    if keys and all(get_path(d, k)[0] for d in expected + actual for k in keys):
        # Compare the sequence of sort keys, so tied documents may come in any order.
        for position, (e, a) in enumerate(zip(expected, actual, strict=True), start=1):
            if not all(close(get_path(e, k)[1], get_path(a, k)[1], tolerance) for k in keys):
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
        "Add the lab's tie-breaker as a further field of your final $sort, after the stages that change the documents.",
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
