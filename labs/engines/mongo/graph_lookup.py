"""``$graphLookup`` for the emulated engine, as MongoDB 7 documents it.

mongomock 4.3 has a ``$graphLookup`` of its own, but it drops the ``as`` field when
``startWith`` is missing (MongoDB writes an empty array), accepts unknown arguments and a
negative ``maxDepth``, refuses a dotted ``as``, and returns the found documents in a fixed
traversal order. MongoDB's manual says the ``as`` array is "not guaranteed to be in any
order", so here it comes in a shuffle seeded per server (``$group``'s seed), the same for
every pipeline that finds the same documents, and an answer that expects the traversal
order fails here as it could on a real server.

Semantics implemented (breadth-first, like mongod):

- ``startWith`` is an expression on the input document; an array starts from each element,
  a missing value starts from nothing, ``null`` matches documents whose ``connectToField``
  is null or missing (an equality match, as in a query).
- Each round finds the ``from`` documents whose ``connectToField`` equals one of the values
  (an array field matches when one element does) and that match ``restrictSearchWithMatch``;
  a document is returned once (by ``_id``), at the depth it was first reached.
- The next round starts from the found documents' ``connectFromField`` values (array
  elements each); ``maxDepth`` N stops after depth N (0: only the direct matches).
- ``depthField`` adds the depth (a whole number) to each returned document.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from mongomock import OperationFailure, aggregate, filtering

from labs.sandbox import mongo_stages

_ARGUMENTS = {"from", "as", "startWith", "connectFromField", "connectToField", "maxDepth", "depthField",
              "restrictSearchWithMatch"}  # fmt: skip
_REQUIRED = ("from", "as", "startWith", "connectFromField", "connectToField")
# Query operators MongoDB refuses inside restrictSearchWithMatch.
_REFUSED_IN_RESTRICT = {"$expr": "$expr", "$text": "$text", "$near": "$near", "$nearSphere": "$nearSphere"}


def _field_path(options: dict, name: str) -> str:
    value = options[name]
    if not isinstance(value, str):
        raise OperationFailure(f"$graphLookup: '{name}' must be a string, not {type(value).__name__}")
    if not value or value.startswith("$"):
        raise OperationFailure(f"$graphLookup: '{name}' must be a field path without a leading $, like \"manager\"")
    return value


def _max_depth(options: dict) -> int | None:
    if "maxDepth" not in options:
        return None
    depth = options["maxDepth"]
    if isinstance(depth, bool) or not isinstance(depth, (int, float)):
        raise OperationFailure("$graphLookup: 'maxDepth' must be a number")
    if depth < 0:
        raise OperationFailure("$graphLookup: 'maxDepth' must be nonnegative")
    if float(depth) != int(depth):
        raise OperationFailure("$graphLookup: 'maxDepth' must be a whole number")
    return int(depth)


def _refused_operator(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _REFUSED_IN_RESTRICT:
                return key
            found = _refused_operator(item)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _refused_operator(item)
            if found:
                return found
    return None


def parse_options(options: Any) -> dict:
    """The stage's arguments, checked the way mongod checks them (OperationFailure)."""
    if not isinstance(options, dict):
        raise OperationFailure("$graphLookup: the stage takes an object")
    unknown = sorted(set(options) - _ARGUMENTS)
    if unknown:
        raise OperationFailure(f"Unknown argument to $graphLookup: {unknown[0]}")
    for name in _REQUIRED:
        if name not in options:
            raise OperationFailure(f"$graphLookup requires '{name}' to be specified")
    restrict = options.get("restrictSearchWithMatch", {})
    if not isinstance(restrict, dict):
        raise OperationFailure("$graphLookup: 'restrictSearchWithMatch' must be an object (a query filter)")
    refused = _refused_operator(restrict)
    if refused:
        raise OperationFailure(f"$graphLookup: {refused} is not allowed in 'restrictSearchWithMatch'")
    if not isinstance(options["from"], str) or not options["from"]:
        raise OperationFailure("$graphLookup: 'from' must be a collection name")
    depth_field = options.get("depthField")
    return {
        "from": options["from"],
        "as": _field_path(options, "as"),
        "startWith": options["startWith"],
        "connectFromField": _field_path(options, "connectFromField"),
        "connectToField": _field_path(options, "connectToField"),
        "maxDepth": _max_depth(options),
        "depthField": _field_path(options, "depthField") if depth_field is not None else None,
        "restrict": restrict,
    }


def _values_at(document: dict, path: str) -> list[Any]:
    """Every value at a dotted path (array elements one by one); nothing when missing."""
    found: list[Any] = []
    for value in filtering.iter_key_candidates(path, document):
        if value is filtering.NOTHING:
            continue
        found.extend(value if isinstance(value, list) else [value])
    return found


def _start_values(expression: Any, document: dict) -> list[Any]:
    try:
        value = aggregate._parse_expression(expression, document)
    except KeyError:  # a missing field: nothing to start from
        return []
    return list(value) if isinstance(value, list) else [value]


def _set_path(document: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = document
    for name in parents:
        if not isinstance(target.get(name), dict):
            target[name] = {}
        target = target[name]
    target[last] = value


def _key(value: Any) -> str:
    return repr(value)


def traverse(start: list[Any], foreign: list[dict], spec: dict) -> list[dict]:
    """Breadth-first search from ``start`` through ``foreign``; each document once."""
    visited: dict[str, dict] = {}
    frontier = start
    depth = 0
    while frontier and (spec["maxDepth"] is None or depth <= spec["maxDepth"]):
        query = {spec["connectToField"]: {"$in": frontier}}
        found = []
        for candidate in foreign:
            key = _key(candidate.get("_id"))
            if key in visited:
                continue
            if filtering.filter_applies(query, candidate) and filtering.filter_applies(spec["restrict"], candidate):
                result = copy.deepcopy(candidate)
                if spec["depthField"]:
                    _set_path(result, spec["depthField"], depth)
                visited[key] = result
                found.append(candidate)
        next_values: list[Any] = []
        for document in found:
            next_values.extend(_values_at(document, spec["connectFromField"]))
        frontier = next_values
        depth += 1
    return list(visited.values())


def _unordered(documents: list[dict], input_id: Any) -> list[dict]:
    """The found documents in an order that depends on the server's seed, never on the
    traversal, so two pipelines that find the same documents agree on the order."""
    ordered = sorted(documents, key=lambda d: _key(d.get("_id")))
    # Not reversed with $group's re-run (set_group_order(reverse=True)): that re-run blames
    # $group for any change, and the reference's own unsorted arrays would then fail it.
    random.Random(f"graph:{mongo_stages._ORDER['seed']}:{_key(input_id)}").shuffle(ordered)
    return ordered


def handle_graph_lookup_stage(in_collection: list, database: Any, options: Any) -> list:
    spec = parse_options(options)
    foreign = list(database.get_collection(spec["from"]).find())
    out = []
    for document in in_collection:
        found = traverse(_start_values(spec["startWith"], document), foreign, spec)
        result = copy.deepcopy(document)
        _set_path(result, spec["as"], _unordered(found, document.get("_id")))
        out.append(result)
    return out


def install() -> None:
    """Replace mongomock's $graphLookup in this process (the emulated server's child)."""
    aggregate._PIPELINE_HANDLERS["$graphLookup"] = handle_graph_lookup_stage


__all__ = ["handle_graph_lookup_stage", "install", "parse_options", "traverse"]
