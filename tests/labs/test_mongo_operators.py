"""The emulated Mongo engine's MongoDB 7 operators (labs/sandbox/mongo_ops.py and
mongo_stages.py) against the results MongoDB's manual documents, with nulls, missing fields
and timezones; $group's shuffled order; and the verdict for an operator it lacks."""

from __future__ import annotations

import datetime as dt
import json

import mongomock
import pytest
from bson import ObjectId
from pymongo.errors import OperationFailure

from labs.engines.mongo import attempt as mongo_attempt
from labs.result import UNSUPPORTED
from labs.runner import grade
from labs.sandbox import mongo_stages
from labs.spec import load_spec

# The manual's example date for the date operators.
EXAMPLE = dt.datetime(2014, 1, 1, 8, 15, 39, 736000)


@pytest.fixture
def coll():
    mongo_stages.install(seed=7)
    collection = mongomock.MongoClient().db.things
    collection.insert_many(
        [
            {"_id": 1, "date": EXAMPLE, "x": 1234.5678, "n": None},
            {"_id": 2, "date": None, "x": None},
            {"_id": 3},
        ]
    )
    return collection


def evaluate(coll, expression, _id=1):
    """The value of ``expression`` on one document (None when the field is left out)."""
    [doc] = coll.aggregate([{"$match": {"_id": _id}}, {"$project": {"_id": 0, "v": expression}}])
    return doc.get("v", "<missing>")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"$round": [1234.5678, 2]}, 1234.57),
        ({"$round": [1234.5678, -2]}, 1200),
        ({"$round": [1234.5678, -4]}, 0),
        ({"$round": [1234.5678, 0]}, 1235),
        ({"$round": [10.5, 0]}, 10),  # half to even
        ({"$round": [11.5, 0]}, 12),
        ({"$round": [-10.5]}, -10),
        ({"$round": [19.25, 1]}, 19.2),
        ({"$round": [5, 1]}, 5),
        ({"$round": ["$n", 1]}, None),
        ({"$round": ["$nope", 1]}, None),
        ({"$trunc": [1234.5678, 2]}, 1234.56),
        ({"$trunc": [-5.8]}, -5),
        ({"$trunc": "$x"}, 1234),
    ],
)
def test_round_and_trunc_as_the_manual_documents(coll, expression, expected):
    assert evaluate(coll, expression) == expected


def test_round_keeps_an_int_an_int_and_refuses_a_string(coll):
    assert isinstance(evaluate(coll, {"$round": [7, 0]}), int)
    with pytest.raises(OperationFailure, match=r"\$round only supports numeric types, not string"):
        evaluate(coll, {"$round": ["seven", 0]})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "int"), (2**40, "long"), (2.5, "double"), ("a", "string"), (True, "bool"), ([1], "array"),
        ({"a": 1}, "object"), ("$date", "date"), ("$n", "null"), ("$nope", "missing"),
        (ObjectId("65f1c0de0000000000000000"), "objectId"),
    ],
)  # fmt: skip
def test_the_type_expression_names_bson_types_and_missing(coll, value, expected):
    literal = value if isinstance(value, str) and value.startswith("$") else {"$literal": value}
    assert evaluate(coll, {"$type": literal}) == expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("$year", 2014), ("$month", 1), ("$dayOfMonth", 1), ("$hour", 8), ("$minute", 15), ("$second", 39),
        ("$millisecond", 736), ("$dayOfYear", 1), ("$dayOfWeek", 4), ("$week", 0), ("$isoWeek", 1),
        ("$isoDayOfWeek", 3), ("$isoWeekYear", 2014),
    ],
)  # fmt: skip
def test_date_parts_of_the_manuals_example(coll, operator, expected):
    assert evaluate(coll, {operator: "$date"}) == expected
    assert evaluate(coll, {operator: ["$date"]}) == expected


@pytest.mark.parametrize("operator", ["$year", "$month", "$dayOfMonth", "$hour", "$dayOfWeek", "$isoWeek"])
@pytest.mark.parametrize("_id", [2, 3])  # null, then missing: MongoDB returns null (mongomock crashed)
def test_date_parts_of_null_or_missing_dates_are_null(coll, operator, _id):
    assert evaluate(coll, {operator: "$date"}, _id) is None
    assert evaluate(coll, {operator: {"date": "$date", "timezone": "Europe/Paris"}}, _id) is None


def test_date_parts_in_a_timezone_and_at_an_offset(coll):
    coll.insert_one({"_id": 9, "date": dt.datetime(2024, 3, 31, 23, 30)})  # Europe is on summer time (+02)
    assert evaluate(coll, {"$month": {"date": "$date", "timezone": "Europe/Paris"}}, 9) == 4
    assert evaluate(coll, {"$hour": {"date": "$date", "timezone": "Europe/Paris"}}, 9) == 1
    assert evaluate(coll, {"$hour": {"date": "$date", "timezone": "+05:30"}}, 9) == 5
    assert evaluate(coll, {"$dayOfMonth": {"date": "$date", "timezone": "-0800"}}, 9) == 31
    with pytest.raises(OperationFailure, match="unrecognized time zone identifier"):
        evaluate(coll, {"$hour": {"date": "$date", "timezone": "Mars/Olympus"}}, 9)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"format": "%Y-%m-%d"}, "2014-01-01"),
        ({"format": "%H:%M:%S:%L%z", "timezone": "America/New_York"}, "03:15:39:736-0500"),
        ({"format": "%Z", "timezone": "America/New_York"}, "-300"),
        ({"format": "%j %w %u %U %V %G"}, "001 4 3 00 01 2014"),
        ({}, "2014-01-01T08:15:39.736Z"),
        ({"timezone": "America/New_York"}, "2014-01-01T03:15:39.736"),  # no Z outside UTC
        ({"format": "%Y-%m %%", "timezone": "+04:45"}, "2014-01 %"),
    ],
)
def test_date_to_string_formats_and_timezones(coll, arguments, expected):
    assert evaluate(coll, {"$dateToString": {"date": "$date", **arguments}}) == expected


@pytest.mark.parametrize("_id", [2, 3])
def test_date_to_string_on_null_or_missing_gives_on_null_or_null(coll, _id):
    assert evaluate(coll, {"$dateToString": {"date": "$date", "format": "%Y"}}, _id) is None
    assert evaluate(coll, {"$dateToString": {"date": "$date", "format": "%Y", "onNull": "none"}}, _id) == "none"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"unit": "month"}, dt.datetime(2021, 3, 1)),
        ({"unit": "quarter"}, dt.datetime(2021, 1, 1)),
        ({"unit": "year"}, dt.datetime(2021, 1, 1)),
        ({"unit": "week"}, dt.datetime(2021, 3, 14)),  # weeks start on Sunday by default
        ({"unit": "week", "startOfWeek": "monday"}, dt.datetime(2021, 3, 15)),
        ({"unit": "day"}, dt.datetime(2021, 3, 20)),
        ({"unit": "hour", "binSize": 2}, dt.datetime(2021, 3, 20, 10)),  # bins counted from 2000-01-01
        ({"unit": "minute", "binSize": 15}, dt.datetime(2021, 3, 20, 11, 30)),
        ({"unit": "day", "timezone": "America/New_York"}, dt.datetime(2021, 3, 20, 4)),  # EDT midnight in UTC
        ({"unit": "month", "timezone": "Europe/Paris"}, dt.datetime(2021, 2, 28, 23)),
    ],
)
def test_date_trunc_units_bins_and_timezones(coll, arguments, expected):
    coll.insert_one({"_id": 10, "date": dt.datetime(2021, 3, 20, 11, 30, 5)})
    assert evaluate(coll, {"$dateTrunc": {"date": "$date", **arguments}}, 10) == expected


@pytest.mark.parametrize("_id", [2, 3])
def test_date_trunc_of_null_or_missing_is_null(coll, _id):
    assert evaluate(coll, {"$dateTrunc": {"date": "$date", "unit": "month"}}, _id) is None
    assert evaluate(coll, {"$dateTrunc": {"date": "$$NOW", "unit": "$nope"}}, _id) is None


def test_date_add_and_diff(coll):
    assert evaluate(coll, {"$dateAdd": {"startDate": "$date", "unit": "month", "amount": 1}}) == dt.datetime(
        2014, 2, 1, 8, 15, 39, 736000
    )
    jan31 = {"$literal": dt.datetime(2024, 1, 31)}
    assert evaluate(coll, {"$dateAdd": {"startDate": jan31, "unit": "month", "amount": 1}}) == dt.datetime(2024, 2, 29)
    later = {"$literal": dt.datetime(2015, 3, 1)}
    assert evaluate(coll, {"$dateDiff": {"startDate": "$date", "endDate": later, "unit": "month"}}) == 14
    assert evaluate(coll, {"$dateAdd": {"startDate": "$date", "unit": "day", "amount": 1}}, 3) is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"$toString": "$n"}, None), ({"$toString": "$nope"}, None), ({"$toString": 2.0}, "2"),
        ({"$toString": True}, "true"), ({"$toInt": "12"}, 12), ({"$toInt": 2.9}, 2), ({"$toDouble": "2.5"}, 2.5),
        ({"$toDouble": "$n"}, None), ({"$toBool": 0}, False),
        ({"$convert": {"input": "abc", "to": "int", "onError": -1}}, -1),
        ({"$convert": {"input": "$n", "to": "int", "onNull": 0}}, 0),
        ({"$toDate": "2024-03-01T00:00:00Z"}, dt.datetime(2024, 3, 1)),
    ],
)  # fmt: skip
def test_conversions_keep_null_null(coll, expression, expected):
    assert evaluate(coll, expression) == expected


def test_conversion_errors_without_on_error_are_mongodbs_refusal(coll):
    with pytest.raises(OperationFailure, match="in \\$convert with no onError value"):
        evaluate(coll, {"$toInt": "twelve"})


# --------------------------------------------------------------------------- stages and accumulators


@pytest.fixture
def sales():
    mongo_stages.install(seed=7)
    collection = mongomock.MongoClient().db.sales
    collection.insert_many(
        [
            {"_id": 1, "shop": "a", "qty": 0, "score": 30, "flag": False},
            {"_id": 2, "shop": "a", "qty": 2, "score": 50},
            {"_id": 3, "shop": "a", "qty": 0, "score": 10, "flag": False},
            {"_id": 4, "shop": "b", "qty": 5, "score": 20, "note": ""},
        ]
    )
    return collection


def by_shop(collection, accumulators):
    pipeline = [{"$group": {"_id": "$shop", **accumulators}}, {"$sort": {"_id": 1}}]
    return {doc["_id"]: {k: v for k, v in doc.items() if k != "_id"} for doc in collection.aggregate(pipeline)}


def test_group_accumulators_mongomock_lacked(sales):
    result = by_shop(
        sales,
        {
            "n": {"$count": {}},
            "best": {"$topN": {"n": 2, "sortBy": {"score": -1}, "output": ["$_id", "$missing"]}},
            "worst": {"$bottomN": {"n": 2, "sortBy": {"score": -1}, "output": "$_id"}},
            "top": {"$top": {"sortBy": {"score": -1}, "output": "$_id"}},
            "bottom": {"$bottom": {"sortBy": {"score": -1}, "output": "$_id"}},
            "first2": {"$firstN": {"input": "$flag", "n": 2}},
            "max2": {"$maxN": {"input": "$score", "n": 2}},
            "qtys": {"$addToSet": "$qty"},  # mongomock turned 0 into null
            "flags": {"$addToSet": "$flag"},  # a missing value is not added
            "spread": {"$stdDevPop": "$score"},
        },
    )
    a = result["a"]
    assert a["n"] == 3
    assert a["best"] == [[2, None], [1, None]]  # missing output fields are null
    assert a["worst"] == [1, 3]  # in sortBy order: the last one is the bottom
    assert (a["top"], a["bottom"]) == (2, 3)
    assert a["first2"] == [False, None]
    assert a["max2"] == [50, 30]
    assert sorted(a["qtys"]) == [0, 2]
    assert a["flags"] == [False]
    assert a["spread"] == pytest.approx(16.3299, rel=1e-4)
    assert result["b"]["n"] == 1 and result["b"]["best"] == [[4, None]]


def test_group_on_an_empty_input_gives_no_document_and_needs_an_id(sales):
    assert list(sales.aggregate([{"$match": {"shop": "z"}}, {"$group": {"_id": None, "n": {"$sum": 1}}}])) == []
    with pytest.raises(OperationFailure, match="must include an _id"):
        list(sales.aggregate([{"$group": {"n": {"$sum": 1}}}]))
    [first] = sales.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}])
    assert list(first) == ["_id", "n"]  # _id first, as mongod writes it


def test_unset_replace_with_and_sort_by_count(sales):
    docs = list(sales.aggregate([{"$unset": ["qty", "score"]}, {"$unset": "flag"}, {"$limit": 1}]))
    assert docs == [{"_id": 1, "shop": "a"}]
    docs = list(sales.aggregate([{"$replaceWith": {"who": "$shop", "q": "$qty"}}, {"$limit": 1}]))
    assert docs == [{"who": "a", "q": 0}]
    assert list(sales.aggregate([{"$sortByCount": "$shop"}])) == [{"_id": "a", "count": 3}, {"_id": "b", "count": 1}]


def test_set_window_fields_running_total_and_rank(sales):
    docs = sales.aggregate(
        [
            {
                "$setWindowFields": {
                    "partitionBy": "$shop",
                    "sortBy": {"score": 1},
                    "output": {
                        "running": {"$sum": "$score", "window": {"documents": ["unbounded", "current"]}},
                        "rank": {"$rank": {}},
                        "total": {"$sum": "$score"},
                    },
                }
            },
            {"$project": {"shop": 1, "running": 1, "rank": 1, "total": 1}},
        ]
    )
    assert [(d["_id"], d["running"], d["rank"], d["total"]) for d in docs] == [
        (3, 10, 1, 90), (1, 40, 2, 90), (2, 90, 3, 90), (4, 20, 1, 20),
    ]  # fmt: skip


def test_lookup_with_let_and_pipeline_as_the_lesson_writes_it():
    mongo_stages.install(seed=7)
    db = mongomock.MongoClient().shop
    db.customers.insert_many([{"_id": "c1", "tier": "gold"}, {"_id": "c2", "tier": "gold"}, {"_id": "c3"}])
    db.orders.insert_many(
        [{"_id": i, "customerId": c, "total": i * 10, "createdAt": dt.datetime(2024, 1, i)} for i, c in
         [(1, "c1"), (2, "c1"), (3, "c1"), (4, "c2")]]
    )  # fmt: skip
    docs = db.customers.aggregate(
        [
            {"$match": {"tier": "gold"}},
            {"$lookup": {"from": "orders", "let": {"cid": "$_id"},
                         "pipeline": [{"$match": {"$expr": {"$eq": ["$customerId", "$$cid"]}}},
                                      {"$sort": {"createdAt": -1}}, {"$limit": 2},
                                      {"$project": {"_id": 1, "total": 1}}],
                         "as": "recent"}},
        ]
    )  # fmt: skip
    assert [(d["_id"], d["recent"]) for d in docs] == [
        ("c1", [{"_id": 3, "total": 30}, {"_id": 2, "total": 20}]),
        ("c2", [{"_id": 4, "total": 40}]),
    ]


# --------------------------------------------------------------------------- $group's order


def group_order(collection, seed, reverse=False):
    mongo_stages.set_group_order(seed=seed, reverse=reverse)
    return [d["_id"] for d in collection.aggregate([{"$group": {"_id": "$k"}}])]


def test_group_output_is_a_seeded_shuffle_not_sorted_by_id():
    mongo_stages.install(seed=1)
    collection = mongomock.MongoClient().db.many
    collection.insert_many([{"k": i} for i in range(30)])
    first = group_order(collection, seed=1)
    assert sorted(first) == list(range(30))
    assert first != list(range(30))  # not mongomock's sort by _id
    assert group_order(collection, seed=1) == first  # the same attempt sees the same order
    assert group_order(collection, seed=2) != first
    assert group_order(collection, seed=1, reverse=True) == first[::-1]  # what the grader's re-run uses


def write_lab(root, seed, solution, hidden=None):
    root.mkdir()
    (root / "lab.toml").write_text(
        'id = "t-order"\ntitle = "t"\nengine = "mongo"\ntopology = "standalone"\ntime_limit = 10\n'
        '[[checks]]\ntype = "mongo"\nresult = true\n'
    )
    (root / "seed.json").write_text(json.dumps(seed))
    (root / "solution.json").write_text(json.dumps(solution))
    if hidden is not None:
        (root / "hidden.json").write_text(json.dumps(hidden))
    return load_spec(root)


TIES = {"collections": {"sales": [{"shop": s, "total": t} for s, t in
                                   [("d", 5), ("a", 5), ("c", 5), ("b", 5), ("e", 9), ("f", 1)]]}}  # fmt: skip
GROUP = {"$group": {"_id": "$shop", "total": {"$sum": "$total"}}}


@pytest.fixture
def emulated(monkeypatch):
    monkeypatch.setattr(mongo_attempt, "find_mongod", lambda: None)  # where the engine looks it up


def test_an_answer_whose_order_rests_on_groups_order_fails_every_time(tmp_path, emulated):
    spec = write_lab(
        tmp_path / "lab", TIES, {"collection": "sales", "pipeline": [GROUP, {"$sort": {"total": -1, "_id": 1}}]}
    )
    without_tiebreak = json.dumps({"collection": "sales", "pipeline": [GROUP, {"$sort": {"total": -1}}]})
    for _ in range(3):  # a fresh shuffle each attempt; the verdict must not depend on it
        result = grade(spec, without_tiebreak)
        assert result.score < 1.0
        assert "not in the expected order" in result.checks[0].message or (
            "because of the order $group happened to produce" in result.checks[0].message
        )
    with_tiebreak = json.dumps({"collection": "sales", "pipeline": [GROUP, {"$sort": {"total": -1, "_id": 1}}]})
    assert grade(spec, with_tiebreak).score == 1.0


# --------------------------------------------------------------------------- unsupported operators


def test_an_operator_the_emulation_lacks_is_named_and_the_attempt_does_not_count(tmp_path, emulated):
    spec = write_lab(tmp_path / "lab", TIES, {"collection": "sales", "pipeline": [GROUP, {"$sort": {"_id": 1}}]})
    answer = {"collection": "sales", "pipeline": [{"$bucketAuto": {"groupBy": "$total", "buckets": 2}}]}
    result = grade(spec, json.dumps(answer))
    assert result.status == UNSUPPORTED
    assert not result.gradable and result.score == 0
    assert "does not support $bucketAuto" in result.message
    assert "emulated engine" in result.message and "does not count" in result.message


def test_a_misspelt_operator_is_still_the_learners_mistake(tmp_path, emulated):
    spec = write_lab(tmp_path / "lab", TIES, {"collection": "sales", "pipeline": [GROUP, {"$sort": {"_id": 1}}]})
    answer = {"collection": "sales", "pipeline": [{"$project": {"r": {"$rond": ["$total", 1]}}}]}
    result = grade(spec, json.dumps(answer))
    assert result.status == "graded" and result.gradable and result.score == 0
    assert "$rond" in result.checks[0].message
