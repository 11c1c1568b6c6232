"""The "mongo" answer format, seeds, the emulated validator and result comparison (no servers)."""

from __future__ import annotations

from datetime import datetime

import pytest
from bson import ObjectId

from labs.attempt import AnswerRejected
from labs.checks.mongo import compare_documents, sort_fields
from labs.sandbox.base import SandboxError
from labs.sandbox.mongo import (
    AnswerFormatError,
    EmulationUnsupported,
    parse_answer,
    parse_learner_answer,
    parse_seed,
    schema_errors,
    validator_errors,
)


def test_an_aggregation_answer_is_a_collection_and_a_pipeline():
    answer = parse_answer(
        '{"collection": "orders", "pipeline": [{"$match": {"placed": {"$date": "2024-05-01T00:00:00Z"}}}]}'
    )
    assert answer.operations == ()
    assert answer.query.kind == "aggregate"
    assert answer.query.collection == "orders"
    assert isinstance(answer.query.pipeline[0]["$match"]["placed"], datetime)  # extended JSON


def test_a_find_answer_takes_projection_sort_skip_and_limit():
    answer = parse_answer(
        '{"collection": "orders", "find": {"status": "paid"}, "projection": {"_id": 0}, '
        '"sort": [["total", -1], ["customer", 1]], "skip": 1, "limit": 5}'
    )
    query = answer.query
    assert (query.kind, query.filter, query.projection, query.skip, query.limit) == (
        "find",
        {"status": "paid"},
        {"_id": 0},
        1,
        5,
    )
    assert query.sort == (("total", -1), ("customer", 1))
    assert parse_answer('{"collection": "o", "find": {}, "sort": {"a": 1}}').query.sort == (("a", 1),)


def test_operations_are_a_list_named_by_their_first_key_and_may_precede_a_query():
    answer = parse_answer(
        '{"operations": [{"createIndex": "orders", "keys": {"customer": 1}, "unique": true},'
        ' {"insertOne": "orders", "document": {"customer": "eve"}}],'
        ' "collection": "orders", "find": {"customer": "eve"}}'
    )
    assert [(op.name, op.collection, op.position) for op in answer.operations] == [
        ("createIndex", "orders", 1),
        ("insertOne", "orders", 2),
    ]
    assert answer.operations[0].args == {"keys": {"customer": 1}, "unique": True}
    assert answer.query.filter == {"customer": "eve"}
    assert len(parse_answer('[{"deleteMany": "orders", "filter": {}}]').operations) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"collection": "orders",\n "pipeline" [1]}', "line 2, column 13: Expecting ':' delimiter"),
        ('[{"createIndex": "orders"}]', 'operations[0]: createIndex needs "keys" (an object)'),
        ('[{"createIndex": "orders", "keys": {"a": 1}, "uniqe": true}]', 'does not take "uniqe"'),
        ('[{"createIndex": "orders", "keys": []}]', "operations[0].keys must be an object"),
        ('[{"dropTable": "orders"}]', "must name exactly one operation"),
        ('[{"insertOne": "orders", "deleteOne": "orders", "document": {}}]', "found insertOne, deleteOne"),
        ('[{"insertOne": "system.users", "document": {}}]', "must be a collection name"),
        ('[{"shardCollection": "orders", "key": {"a": "hashed"}}]', "shardCollection needs a sharded lab"),
        ('[{"collMod": "orders"}]', "collMod needs a validator"),
        ('[{"createCollection": "p", "validationAction": "ignore"}]', 'validationAction must be "error" or "warn"'),
        ('{"collection": "orders", "pipeline": [{"$match": {}, "$sort": {}}]}', "pipeline[0] must be one stage"),
        ('{"collection": "orders", "pipeline": [], "find": {}}', "not both"),
        ('{"collection": "orders", "pipeline": [], "limit": 3}', "in a pipeline use a $limit stage"),
        ('{"collection": "orders", "find": {}, "sort": {"a": "desc"}}', "sort.a must be 1"),
        ('{"collection": "orders", "find": {}, "colour": 1}', "unknown field(s) colour"),
        ("[]", "nothing to run"),
        ('"orders"', "must be a JSON object"),
    ],
)
def test_format_errors_say_where_and_what(text, expected):
    with pytest.raises(AnswerFormatError) as caught:
        parse_answer(text)
    assert expected in str(caught.value)


def test_learner_format_errors_are_rejections_with_an_example():
    with pytest.raises(AnswerRejected) as caught:
        parse_learner_answer('{"collection": "orders", "pipeline": [}', "standalone")
    assert "line 1, column 39" in str(caught.value)
    assert '{"collection": "orders", "pipeline": [{"$match"' in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"collection": "o", "pipeline": [{"$out": "stolen"}]}', "$out is disabled in lab sandboxes"),
        ('{"collection": "o", "pipeline": [{"$merge": {"into": "x"}}]}', "$merge is disabled"),
        (
            '{"collection": "o", "find": {"$where": "sleep(1000)"}}',
            "$where is disabled in lab sandboxes: it runs JavaScript",
        ),
        (
            '{"collection": "o", "pipeline": [{"$group": {"_id": 1, "x": {"$accumulator": {}}}}]}',
            "$accumulator is disabled",
        ),
        ('[{"updateOne": "o", "filter": {"$where": "1"}, "update": {}}]', "$where is disabled"),
        ('{"collection": "o", "pipeline": [{"$currentOp": {}}]}', "other sessions"),
    ],
)
def test_server_side_javascript_and_writes_elsewhere_are_refused(text, expected):
    with pytest.raises(AnswerRejected) as caught:
        parse_learner_answer(text, "standalone")
    assert expected in str(caught.value)
    assert "submit again" in str(caught.value)


def test_seed_documents_get_the_same_ids_in_every_database():
    text = '{"collections": {"orders": [{"a": 1}, {"_id": 7, "a": 2}]}}'
    first, second = parse_seed(text, "seed.json"), parse_seed(text, "seed.json")
    assert first.collections["orders"][0]["_id"] == second.collections["orders"][0]["_id"]
    assert isinstance(first.collections["orders"][0]["_id"], ObjectId)
    assert first.collections["orders"][1]["_id"] == 7


def test_seed_validators_take_the_short_and_the_full_form():
    seed = parse_seed(
        '{"validators": {"a": {"$jsonSchema": {"required": ["x"]}},'
        ' "b": {"validator": {"qty": {"$gte": 0}}, "validationAction": "warn"}}}',
        "seed.json",
    )
    assert seed.validators["a"] == {"validator": {"$jsonSchema": {"required": ["x"]}}}
    assert seed.validators["b"]["validationAction"] == "warn"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"collections": {"orders": {"a": 1}}}', "collections.orders must be an array"),
        ('{"tables": {}}', 'must be an object with "collections"'),
        ('{"collections": \n\n {]}', "seed.json: line 3"),
    ],
)
def test_a_broken_seed_is_a_sandbox_error_naming_the_file(text, expected):
    with pytest.raises(SandboxError) as caught:
        parse_seed(text, "seed.json")
    assert expected in str(caught.value)


SCHEMA = {
    "bsonType": "object",
    "required": ["sku", "price"],
    "properties": {
        "sku": {"bsonType": "string", "pattern": "^[A-Z]{2}[0-9]{3}$"},
        "price": {"bsonType": "number", "minimum": 0},
        "qty": {"bsonType": "int", "minimum": 0},
        "tags": {"bsonType": "array", "items": {"bsonType": "string"}},
        "kind": {"enum": ["tool", "plant"]},
    },
}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"sku": "AB123", "price": 2}, []),
        ({"sku": "AB123", "price": 2.5, "qty": 3, "tags": ["x"], "kind": "tool"}, []),
        ({"sku": "AB123"}, ["field `price` is required"]),
        ({"sku": "ab1", "price": 1}, ["field `sku` must match the pattern '^[A-Z]{2}[0-9]{3}$' (got \"ab1\")"]),
        ({"sku": "AB123", "price": -1}, ["field `price` must be at least 0 (got -1)"]),
        ({"sku": "AB123", "price": 1, "qty": 1.5}, ["field `qty` must be of type int (got 1.5)"]),
        ({"sku": "AB123", "price": 1, "tags": ["a", 2]}, ["field `tags.1` must be of type string (got 2)"]),
        ({"sku": "AB123", "price": True}, ["field `price` must be of type number (got true)"]),
        ({"sku": "AB123", "price": 1, "kind": "car"}, ['field `kind` must be one of ["tool", "plant"] (got "car")']),
    ],
)
def test_emulated_json_schema_explains_each_failure(document, expected):
    assert schema_errors(SCHEMA, document) == expected


def test_emulated_validators_combine_json_schema_with_query_operators():
    validator = {"$jsonSchema": {"required": ["qty"]}, "qty": {"$gte": 0}}
    assert validator_errors(validator, {"qty": 1}) == []
    assert validator_errors(validator, {"qty": -1}) == ['the document does not match {"qty": {"$gte": 0}}']
    assert validator_errors({"$jsonSchema": {"additionalProperties": False, "properties": {"a": {}}}}, {"a": 1, "b": 2})


def test_a_schema_keyword_the_emulation_cannot_evaluate_is_said_so():
    with pytest.raises(EmulationUnsupported, match="dependencies"):
        schema_errors({"dependencies": {"a": ["b"]}}, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"collection": "o", "pipeline": [{"$group": {"_id": "$a"}}]}', None),
        ('{"collection": "o", "pipeline": [{"$sort": {"a": 1}}, {"$group": {"_id": "$a"}}]}', None),
        ('{"collection": "o", "pipeline": [{"$group": {"_id": "$a"}}, {"$sort": {"n": -1, "_id": 1}}]}', ["n", "_id"]),
        ('{"collection": "o", "pipeline": [{"$sortByCount": "$a"}, {"$limit": 3}]}', ["count"]),
        ('{"collection": "o", "find": {}, "sort": {"t": -1}}', ["t"]),
        ('{"collection": "o", "find": {}}', None),
    ],
)
def test_results_are_ordered_only_when_the_reference_sorts_last(text, expected):
    assert sort_fields(parse_answer(text).query) == expected


def test_ties_may_come_in_any_order_but_sort_keys_may_not():
    expected = [{"c": "a", "t": 5}, {"c": "b", "t": 5}, {"c": "c", "t": 1}]
    tied = [{"c": "b", "t": 5.0}, {"c": "a", "t": 5}, {"c": "c", "t": 1}]
    assert compare_documents(expected, tied, 1e-9, ["t"], True) is None
    wrong = compare_documents(expected, list(reversed(expected)), 1e-9, ["t"], True)
    assert "not in the expected order (sorted by t): document 1 should be" in wrong.message


def test_numbers_compare_within_tolerance_and_missing_is_not_null():
    assert compare_documents([{"x": 1 / 3}], [{"x": 0.3333334}], 1e-6, None, False) is None
    assert compare_documents([{"x": 1}], [{"x": 1.1}], 1e-6, None, False) is not None
    missing_vs_null = compare_documents([{"a": 1, "x": None}], [{"a": 1}], 1e-6, None, False)
    assert "Your documents have the fields a; the expected ones have a, x" in missing_vs_null.hint


def test_count_differences_are_described():
    problem = compare_documents([{"a": 1}, {"a": 2}], [{"a": 1}], 1e-6, None, False)
    assert problem.message.startswith('Expected 2 document(s), your query returned 1. Missing from yours: {"a": 2}')
    assert "$match" in problem.hint
