"""The collections' state after the learner's operations, against the reference solution's: for
modelling exercises whose answer is writes (insertOne, updateOne with $push ...) rather than a
query. The grader reads the collection with its own query, on the lab's data and on hidden data.

lab.toml (inside a ``type = "mongo"`` check)::

    state = [{collection = "products", sort = {_id = 1}},
             {collection = "reviews", find = {productId = "TEAPOT"}, projection = {_id = 0}, sort = {at = -1}}]
    datasets = ["seed", "hidden"]   # shared with ``result``; default both when the lab has hidden.json
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labs.checks.mongo_values import CheckParamError, Problem
from labs.sandbox.mongo import MongoAttempt, MongoQuery, OperationError

LABELS = {"seed": "on the lab's data", "hidden": "on the hidden dataset"}


# labs.checks.mongo's comparisons, passed in because that module imports this one:
# (expected, actual, tolerance, sort keys, ordered) -> a Problem, or None when they match.
Compare = Callable[[list[dict], list[dict], float, list[str] | None, bool], Any]


def check_state(
    attempt: MongoAttempt,
    value: Any,
    datasets: list[str],
    where: str,
    verified: list[str],
    compare_documents: Compare,
    hidden_problem: Compare,
) -> list[Problem]:
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and "collection" in i for i in items):
        raise CheckParamError(f"{where}.state: must be a table (or list of tables) with a 'collection'")
    problems: list[Problem] = []
    for item in items:
        sort = item.get("sort", {"_id": 1})
        if not isinstance(sort, dict):
            raise CheckParamError(f"{where}.state.sort: must be a table like {{at = -1}}")
        query = MongoQuery(
            collection=str(item["collection"]), filter=dict(item.get("find", {})),
            projection=dict(item["projection"]) if "projection" in item else None,
            sort=tuple((str(k), int(v)) for k, v in sort.items()),
        )  # fmt: skip
        keys = [k for k, _ in query.sort]
        for dataset in datasets:
            expected = _read(attempt, query, dataset, "solution")
            try:
                actual = _read(attempt, query, dataset, "learner")
            except OperationError as exc:  # a collection the learner's operations broke
                problems.append(Problem(f"Reading `{query.collection}` failed after your operations: {exc}", ""))
                continue
            if dataset == "hidden":
                problem = compare_documents(expected, actual, 1e-9, keys, True)
                if problem is not None:
                    problem = hidden_problem(expected, actual, 1e-9, keys, True)
            else:
                problem = compare_documents(expected, actual, 1e-9, keys, True)
            if problem is None:
                verified.append(f"`{query.collection}` holds what the reference leaves {LABELS[dataset]}")
                continue
            problem.message = (
                f"After your operations, `{query.collection}` {LABELS[dataset]} differs from the reference "
                f"solution's (read sorted by {', '.join(keys)}): {problem.message}"
            )
            problem.hint = ""  # the lab's hint says what the collection should hold
            problems.append(problem)
    return problems


def _read(attempt: MongoAttempt, query: MongoQuery, dataset: str, who: str) -> list[dict]:
    name = attempt.database(dataset, who)
    return attempt._call(lambda t: attempt.store.query(name, query, t, as_grader=True), platform=True)
