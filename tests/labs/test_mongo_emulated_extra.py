"""The emulated Mongo engine's $graphLookup and $geoWithin (labs/engines/mongo/graph_lookup.py
and geo.py) against the results MongoDB 7's manual documents, and the verdict a learner gets
for the text and geospatial features that are not emulated."""

from __future__ import annotations

import json

import mongomock
import pytest
from pymongo.errors import OperationFailure

from labs.engines.mongo import attempt as mongo_attempt
from labs.engines.mongo import geo, graph_lookup
from labs.result import UNSUPPORTED
from labs.runner import grade
from labs.sandbox import mongo_stages
from labs.spec import load_spec

# The manual's $graphLookup example: who reports to whom.
EMPLOYEES = [
    {"_id": 1, "name": "Dev"},
    {"_id": 2, "name": "Eliot", "reportsTo": "Dev"},
    {"_id": 3, "name": "Ron", "reportsTo": "Eliot"},
    {"_id": 4, "name": "Andrew", "reportsTo": "Eliot"},
    {"_id": 5, "name": "Asya", "reportsTo": "Ron"},
    {"_id": 6, "name": "Dan", "reportsTo": "Andrew"},
]
# The manual's airports example: connects is an array.
AIRPORTS = [
    {"_id": 0, "airport": "JFK", "connects": ["BOS", "ORD"]},
    {"_id": 1, "airport": "BOS", "connects": ["JFK", "PWM"]},
    {"_id": 2, "airport": "ORD", "connects": ["JFK"]},
    {"_id": 3, "airport": "PWM", "connects": ["BOS", "LHR"]},
    {"_id": 4, "airport": "LHR", "connects": ["PWM"]},
]


@pytest.fixture
def db():
    mongo_stages.install(seed=11)
    graph_lookup.install()
    geo.install()
    database = mongomock.MongoClient().db
    database.employees.insert_many([dict(d) for d in EMPLOYEES])
    database.airports.insert_many([dict(d) for d in AIRPORTS])
    return database


def hierarchy(db, **extra):
    stage = {"from": "employees", "startWith": "$reportsTo", "connectFromField": "reportsTo",
             "connectToField": "name", "as": "chain", **extra}  # fmt: skip
    return {d["name"]: d for d in db.employees.aggregate([{"$graphLookup": stage}])}


def names(found, depth_field=None):
    if depth_field:
        return sorted((d["name"], d[depth_field]) for d in found)
    return sorted(d["name"] for d in found)


def test_reporting_hierarchy_as_the_manual_shows_it(db):
    result = hierarchy(db, depthField="level")
    assert names(result["Dev"]["chain"]) == []  # no reportsTo: an empty array, not a missing field
    assert names(result["Eliot"]["chain"], "level") == [("Dev", 0)]
    assert names(result["Asya"]["chain"], "level") == [("Dev", 2), ("Eliot", 1), ("Ron", 0)]
    assert names(result["Dan"]["chain"], "level") == [("Andrew", 0), ("Dev", 2), ("Eliot", 1)]


def test_max_depth_zero_keeps_only_the_direct_matches(db):
    result = hierarchy(db, maxDepth=0)
    assert names(result["Asya"]["chain"]) == ["Ron"]
    assert names(hierarchy(db, maxDepth=1.0)["Asya"]["chain"]) == ["Eliot", "Ron"]  # an integral double is fine


def test_array_fields_and_cycles_return_each_document_once_at_its_first_depth(db):
    stage = {"from": "airports", "startWith": "$nearestAirport", "connectFromField": "connects",
             "connectToField": "airport", "maxDepth": 2, "depthField": "numConnections",
             "as": "destinations"}  # fmt: skip
    db.travelers.insert_many([{"_id": 1, "name": "Lee", "nearestAirport": "JFK"},
                              {"_id": 2, "name": "Jeff", "nearestAirport": "BOS"}])  # fmt: skip
    found = {d["name"]: d["destinations"] for d in db.travelers.aggregate([{"$graphLookup": stage}])}
    lee = sorted((d["airport"], d["numConnections"]) for d in found["Lee"])
    assert lee == [("BOS", 1), ("JFK", 0), ("ORD", 1), ("PWM", 2)]  # LHR is 3 hops away
    jeff = sorted((d["airport"], d["numConnections"]) for d in found["Jeff"])
    assert jeff == [("BOS", 0), ("JFK", 1), ("LHR", 2), ("ORD", 2), ("PWM", 1)]


def test_start_with_an_array_and_a_restricting_filter(db):
    stage = {"from": "employees", "startWith": ["Ron", "Andrew"], "connectFromField": "name",
             "connectToField": "reportsTo", "as": "below",
             "restrictSearchWithMatch": {"name": {"$ne": "Dan"}}}  # fmt: skip
    [doc] = db.employees.aggregate([{"$match": {"_id": 1}}, {"$graphLookup": stage}])
    assert names(doc["below"]) == ["Asya"]  # Dan is filtered out, so nobody below him is searched


def test_a_dotted_as_path_builds_the_sub_document(db):
    result = hierarchy(db, **{"as": "org.chain"})
    assert names(result["Eliot"]["org"]["chain"]) == ["Dev"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"maxDepth": -1}, "nonnegative"),
        ({"maxDepth": "2"}, "must be a number"),
        ({"connectToFeld": "name"}, "Unknown argument to \\$graphLookup: connectToFeld"),
        ({"as": "$chain"}, "without a leading \\$"),
        ({"restrictSearchWithMatch": {"$expr": {"$eq": [1, 1]}}}, "\\$expr is not allowed"),
    ],
)
def test_arguments_mongod_refuses_are_refused(db, change, message):
    with pytest.raises(OperationFailure, match=message):
        hierarchy(db, **change)


def test_the_found_documents_come_in_no_traversal_order(db):
    """The manual promises no order; pipelines that find the same documents agree on one,
    and another server (another seed) may use another."""
    mongo_stages.set_group_order(seed=5)
    down = {"from": "employees", "startWith": "$name", "connectFromField": "name", "connectToField": "reportsTo",
            "as": "team"}  # fmt: skip
    [dev] = db.employees.aggregate([{"$match": {"_id": 1}}, {"$graphLookup": down}])
    order = [d["name"] for d in dev["team"]]
    assert sorted(order) == ["Andrew", "Asya", "Dan", "Eliot", "Ron"]
    restricted = {**down, "restrictSearchWithMatch": {"_id": {"$gte": 0}}}
    [again] = db.employees.aggregate([{"$match": {"_id": 1}}, {"$graphLookup": restricted}])
    assert [d["name"] for d in again["team"]] == order
    orders = set()
    for seed in range(6):
        mongo_stages.set_group_order(seed=seed)
        [doc] = db.employees.aggregate([{"$match": {"_id": 1}}, {"$graphLookup": down}])
        orders.add(tuple(d["name"] for d in doc["team"]))
    assert len(orders) > 1


# --------------------------------------------------------------------------- $geoWithin

PLACES = [
    {"_id": 1, "name": "Central Park", "loc": {"type": "Point", "coordinates": [-73.97, 40.77]}},
    {"_id": 2, "name": "Sara D. Roosevelt Park", "loc": {"type": "Point", "coordinates": [-73.9928, 40.7193]}},
    {"_id": 3, "name": "Polo Grounds", "loc": [-73.9375, 40.8303]},
    {"_id": 4, "name": "Newark", "loc": {"type": "Point", "coordinates": [-74.1724, 40.7357]}},
    {"_id": 5, "name": "nowhere"},
    {"_id": 6, "name": "bad", "loc": "40.7, -73.9"},
]


def within(db, shape):
    db.places.drop()
    db.places.insert_many([dict(p) for p in PLACES])
    return sorted(d["_id"] for d in db.places.find({"loc": {"$geoWithin": shape}}))


def test_center_sphere_uses_great_circle_distance_in_radians(db):
    # From Midtown: Central Park ~1.7 mi, SDR Park ~2.05 mi, Polo Grounds ~6.2 mi, Newark ~9.8 mi (15.8 km)
    midtown = [-73.9857, 40.7484]
    assert within(db, {"$centerSphere": [midtown, 2 / 3963.2]}) == [1]
    assert within(db, {"$centerSphere": [midtown, 5 / 3963.2]}) == [1, 2]
    assert within(db, {"$centerSphere": [midtown, 7 / 3963.2]}) == [1, 2, 3]  # a legacy pair counts too
    assert within(db, {"$centerSphere": [midtown, 16 / 6378.1]}) == [1, 2, 3, 4]  # kilometres work the same way


def test_flat_shapes_include_their_edges(db):
    assert within(db, {"$box": [[-74.0, 40.7], [-73.95, 40.8]]}) == [1, 2]
    assert within(db, {"$box": [[-73.97, 40.77], [-73.0, 41.0]]}) == [1, 3]  # Central Park sits on the corner
    assert within(db, {"$center": [[-73.97, 40.77], 0.06]}) == [1, 2]  # planar: SDR Park is 0.056 away
    assert within(db, {"$center": [[-73.97, 40.77], 0.07]}) == [1, 2, 3]
    triangle = [[-74.0, 40.7], [-73.9, 40.7], [-73.95, 40.85]]
    assert within(db, {"$polygon": triangle}) == [1, 2]  # the Polo Grounds lie just east of the right edge
    assert within(db, {"$polygon": [[-74.0, 40.7], [-73.9, 40.7], [-73.9, 40.9], [-74.0, 40.9]]}) == [1, 2, 3]


def test_geo_within_in_an_aggregation_match(db):
    within(db, {"$box": [[0, 0], [1, 1]]})
    pipeline = [{"$match": {"loc": {"$geoWithin": {"$centerSphere": [[-73.97, 40.77], 4 / 3963.2]}}}},
                {"$project": {"_id": 0, "name": 1}}, {"$sort": {"name": 1}}]  # fmt: skip
    assert [d["name"] for d in db.places.aggregate(pipeline)] == ["Central Park", "Sara D. Roosevelt Park"]


def test_malformed_shapes_are_refused(db):
    with pytest.raises(OperationFailure, match="radius must be nonnegative"):
        within(db, {"$centerSphere": [[0, 0], -1]})
    with pytest.raises(OperationFailure, match="unknown shape"):
        within(db, {"$circle": [[0, 0], 1]})


# --------------------------------------------------------------------------- through the grader


@pytest.fixture
def emulated(monkeypatch):
    monkeypatch.setattr(mongo_attempt, "find_mongod", lambda: None)


def write_lab(root, seed, solution):
    root.mkdir()
    (root / "lab.toml").write_text(
        'id = "t-graph"\ntitle = "t"\nengine = "mongo"\ntopology = "standalone"\ntime_limit = 10\n'
        '[[checks]]\ntype = "mongo"\nresult = true\n'
    )
    (root / "seed.json").write_text(json.dumps(seed))
    (root / "solution.json").write_text(json.dumps(solution))
    return load_spec(root)


CHAIN_OF_ASYA = {
    "collection": "employees",
    "pipeline": [
        {"$match": {"name": "Asya"}},
        {
            "$graphLookup": {
                "from": "employees",
                "startWith": "$reportsTo",
                "connectFromField": "reportsTo",
                "connectToField": "name",
                "as": "chain",
                "depthField": "level",
            }
        },  # fmt: skip
        {"$unwind": "$chain"},
        {"$sort": {"chain.level": 1}},
        {"$project": {"_id": 0, "boss": "$chain.name", "level": "$chain.level"}},
    ],
}


def test_a_graph_lookup_answer_is_graded_on_the_emulated_server(tmp_path, emulated):
    spec = write_lab(tmp_path / "lab", {"collections": {"employees": EMPLOYEES}}, CHAIN_OF_ASYA)
    other_style = dict(CHAIN_OF_ASYA)
    other_style["pipeline"] = [
        {
            "$graphLookup": {
                "from": "employees",
                "startWith": "$reportsTo",
                "connectFromField": "reportsTo",
                "connectToField": "name",
                "as": "up",
                "depthField": "d",
            }
        },  # fmt: skip
        {"$match": {"name": "Asya"}},
        {"$unwind": "$up"},
        {"$replaceWith": {"boss": "$up.name", "level": "$up.d"}},
        {"$sort": {"level": 1}},
    ]
    assert grade(spec, json.dumps(other_style)).score == 1.0
    only_two = json.loads(json.dumps(CHAIN_OF_ASYA))
    only_two["pipeline"][1]["$graphLookup"]["maxDepth"] = 1
    assert grade(spec, json.dumps(only_two)).score < 1.0


@pytest.mark.parametrize(
    ("stage", "reason"),
    [
        ({"$match": {"$text": {"$search": "park"}}}, "needs a text index"),
        ({"$match": {"loc": {"$near": {"$geometry": {"type": "Point", "coordinates": [0, 0]}}}}}, "sort by distance"),
        (
            {"$match": {"loc": {"$geoWithin": {"$geometry": {"type": "Polygon", "coordinates": []}}}}},
            "geodesic GeoJSON polygons",
        ),
    ],
)
def test_text_and_distance_queries_are_unsupported_with_the_reason(tmp_path, emulated, stage, reason):
    spec = write_lab(tmp_path / "lab", {"collections": {"places": PLACES}},
                     {"collection": "places", "pipeline": [{"$project": {"name": 1}}]})  # fmt: skip
    result = grade(spec, json.dumps({"collection": "places", "pipeline": [stage]}))
    assert result.status == UNSUPPORTED and result.score == 0
    assert reason in result.message


def test_an_answer_returning_the_unordered_array_like_the_reference_passes(tmp_path, emulated):
    """The reference's own arrays are unordered too: the same pipeline must score 1.0, even
    through the re-run that reverses $group's output."""
    pipeline = [
        {"$graphLookup": {"from": "employees", "startWith": "$name", "connectFromField": "name",
                          "connectToField": "reportsTo", "as": "team"}},  # fmt: skip
        {"$group": {"_id": "$name", "team": {"$first": "$team.name"}}},
        {"$sort": {"_id": 1}},
    ]
    solution = {"collection": "employees", "pipeline": pipeline}
    spec = write_lab(tmp_path / "lab", {"collections": {"employees": EMPLOYEES}}, solution)
    for _ in range(3):
        assert grade(spec, json.dumps(solution)).score == 1.0
