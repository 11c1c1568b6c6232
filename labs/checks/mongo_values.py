"""What the Mongo checks share: their ``Problem`` and ``CheckParamError``, and reading, comparing
(numbers within a tolerance, dotted paths, sort keys) and showing documents in messages.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import json_util

from labs.checks.output_bounds import clip, clip_text
from labs.sandbox.mongo import (
    MongoQuery,
)

ORDER_RESETTING_STAGES = {"$group", "$bucket", "$bucketAuto", "$facet", "$unionWith", "$sample"}

PREVIEW = 20


class CheckParamError(ValueError):
    """A lab author's mistake in a check's parameters: a platform fault, never the learner's."""


@dataclass
class Problem:
    message: str
    hint: str = ""


# --------------------------------------------------------------------------- values


def as_number(value: Any) -> float | None:
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
    a, b = as_number(expected), as_number(actual)
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


def get_path(document: dict, path: str) -> tuple[bool, Any]:
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
