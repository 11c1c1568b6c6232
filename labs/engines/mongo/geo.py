"""``$geoWithin`` for the emulated engine, and the geospatial and text features it does not
emulate, each with the reason a learner reads.

Emulated (MongoDB 7 semantics, no index needed, as on mongod):

- ``$centerSphere: [[lng, lat], radius]``: points within ``radius`` radians of the centre on
  a sphere (divide a distance by the Earth's radius: 6378.1 km or 3963.2 miles);
- ``$box: [[x1, y1], [x2, y2]]``, ``$center: [[x, y], r]``, ``$polygon: [[x, y], ...]``:
  flat (planar) shapes in coordinate units; points on the edge are inside.

A point is a GeoJSON ``{"type": "Point", "coordinates": [lng, lat]}`` or a legacy
coordinate pair ``[x, y]`` (or ``{"lng": x, "lat": y}``); documents whose field holds
anything else do not match. Not emulated: ``$geometry`` shapes (geodesic polygons),
``$near``, ``$nearSphere``, ``$geoNear``, ``$geoIntersects`` and ``$text``; they end as an
"unsupported on this installation" verdict whose text says why (``NOT_EMULATED``).
"""

from __future__ import annotations

import math
from typing import Any

from mongomock import OperationFailure, filtering

# Each reads after "the emulated engine does not support ...".
NOT_EMULATED = {
    "$text": (
        '$text, which needs a text index, word stemming and relevance scores ({$meta: "textScore"}) that '
        "this emulation does not have (for a case-insensitive substring search use $regex with the i option)"
    ),
    "$near": "$near, which needs a 2dsphere or 2d index to sort by distance (use $geoWithin with $centerSphere, "
    "then sort by another field)",
    "$nearSphere": "$nearSphere, which needs a geospatial index to sort by distance (use $geoWithin with "
    "$centerSphere)",
    "$geoNear": "$geoNear, which needs a geospatial index to compute and sort by distance (use $match with "
    "$geoWithin and $centerSphere)",
    "$geoIntersects": "$geoIntersects, which needs geodesic GeoJSON geometry",
    "$geometry": "$geoWithin with $geometry, which needs geodesic GeoJSON polygons ($centerSphere, $box, $center "
    "and $polygon are emulated)",
}
_SHAPES = ("$centerSphere", "$box", "$center", "$polygon")


def explain_unsupported(text: str) -> str:
    """An unsupported-feature message, with the reason when it names one of NOT_EMULATED."""
    for name in sorted(NOT_EMULATED, key=len, reverse=True):
        if name in text:
            return NOT_EMULATED[name]
    return text


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, (list, tuple)) and len(value) >= 2:
        x, y = _number(value[0]), _number(value[1])
        return (x, y) if x is not None and y is not None else None
    if isinstance(value, dict) and len(value) >= 2 and "type" not in value:
        first, second = list(value.values())[:2]  # a legacy embedded document: {lng: .., lat: ..}
        x, y = _number(first), _number(second)
        return (x, y) if x is not None and y is not None else None
    return None


def document_point(value: Any) -> tuple[float, float] | None:
    """The point a document field holds (GeoJSON Point or legacy pair), or None."""
    if isinstance(value, dict) and value.get("type") == "Point":
        return _pair(value.get("coordinates"))
    return _pair(value)


def _shape_pair(value: Any, shape: str) -> tuple[float, float]:
    point = _pair(value)
    if point is None:
        raise OperationFailure(f"$geoWithin: {shape} needs points given as [x, y] pairs of numbers")
    return point


def great_circle(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The angle in radians between two [lng, lat] points on a sphere (haversine)."""
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(h)))


def _in_polygon(point: tuple[float, float], vertices: list[tuple[float, float]]) -> bool:
    x, y = point
    inside = False
    for i, (x1, y1) in enumerate(vertices):
        x2, y2 = vertices[(i + 1) % len(vertices)]
        # on an edge counts as inside
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if abs(cross) < 1e-12 and min(x1, x2) - 1e-12 <= x <= max(x1, x2) + 1e-12 and \
                min(y1, y2) - 1e-12 <= y <= max(y1, y2) + 1e-12:  # fmt: skip
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _shape_test(search: Any):
    """A predicate on points for one $geoWithin argument (OperationFailure if malformed)."""
    if not isinstance(search, dict) or len(search) != 1:
        raise OperationFailure("$geoWithin takes one shape: {$centerSphere: ...}, {$box: ...}, {$center: ...}, "
                               "{$polygon: ...} or {$geometry: ...}")  # fmt: skip
    shape, argument = next(iter(search.items()))
    if shape == "$geometry":
        raise NotImplementedError(NOT_EMULATED["$geometry"])
    if shape not in _SHAPES:
        raise OperationFailure(f"$geoWithin: unknown shape {shape}")
    if shape in ("$centerSphere", "$center"):
        if not isinstance(argument, list) or len(argument) != 2 or _number(argument[1]) is None:
            raise OperationFailure(f"$geoWithin: {shape} takes [[x, y], radius]")
        centre, radius = _shape_pair(argument[0], shape), float(argument[1])
        if radius < 0:
            raise OperationFailure(f"$geoWithin: the {shape} radius must be nonnegative")
        if shape == "$centerSphere":
            return lambda p: great_circle(centre, p) <= radius + 1e-12
        return lambda p: math.dist(centre, p) <= radius + 1e-12
    if shape == "$box":
        if not isinstance(argument, list) or len(argument) != 2:
            raise OperationFailure("$geoWithin: $box takes [[x1, y1], [x2, y2]] (two corners)")
        (x1, y1), (x2, y2) = _shape_pair(argument[0], shape), _shape_pair(argument[1], shape)
        low_x, high_x, low_y, high_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        return lambda p: low_x <= p[0] <= high_x and low_y <= p[1] <= high_y
    if not isinstance(argument, list) or len(argument) < 3:
        raise OperationFailure("$geoWithin: $polygon takes at least three [x, y] points")
    vertices = [_shape_pair(v, shape) for v in argument]
    return lambda p: _in_polygon(p, vertices)


def geo_within(doc_value: Any, search: Any) -> bool:
    """The $geoWithin query operator on one field value."""
    inside = _shape_test(search)
    if doc_value is filtering.NOTHING:
        return False
    point = document_point(doc_value)
    if point is not None:
        return inside(point)
    if isinstance(doc_value, list):  # an array of points: any of them
        return any(p is not None and inside(p) for p in map(document_point, doc_value))
    return False


def install() -> None:
    """Teach this process's mongomock $geoWithin (the emulated server's child)."""
    filtering._filterer_inst._operator_map["$geoWithin"] = geo_within
