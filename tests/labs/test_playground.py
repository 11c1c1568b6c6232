"""labs.playground against real servers: PostgreSQL, Redis, the emulated MongoDB and MariaDB,
each through the sandbox core. Sessions are isolated, bounded, reset and expire."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from labs.playground import Dataset, Manager
from labs.playground.common import MAX_CELL_CHARS, MAX_ROWS

PG = Dataset(
    "postgres",
    (
        "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);"
        "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brian');",
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id));"
        "INSERT INTO orders VALUES (10, 1);",
    ),
)
REDIS = Dataset("redis", ("SET greeting hello\nZADD board 10 ada 20 brian",))
MONGO = Dataset("mongo", ('{"collections": {"orders": [{"who": "ada", "total": 5}, {"who": "bob", "total": 9}]}}',))
MARIA = Dataset(
    "mariadb",
    (
        "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(40));"
        "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brian');",
        "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT,"
        " FOREIGN KEY (customer_id) REFERENCES customers (id));",
    ),
)


@pytest.fixture(scope="module")
def manager():
    manager = Manager()
    yield manager
    paths = manager.sandbox_paths()
    manager.close()
    assert not [p for p in paths if Path(p).exists()], "a pooled server's sandbox outlived close()"


# -- PostgreSQL


def test_postgres_runs_queries_with_errors_on_their_line_and_a_plan(manager):
    result = manager.run("pgaaaaaaaa1", PG, "SELECT name FROM customers ORDER BY id;")
    assert result["columns"] == ["name"] and result["rows"] == [["Ada"], ["Brian"]] and result["error"] is None
    failed = manager.run("pgaaaaaaaa1", PG, "SELECT 1;\n\nSELECT nme\n  FROM customers;")
    assert failed["error"]["line"] == 3 and "nme" in failed["error"]["message"]
    plan = manager.run("pgaaaaaaaa1", PG, "DELETE FROM orders", explain=True)["plan"]
    assert "Delete on orders" in plan and "actual time" in plan
    assert manager.run("pgaaaaaaaa1", PG, "SELECT count(*) FROM orders")["rows"] == [[1]]  # EXPLAIN rolled back


def test_postgres_sessions_never_see_each_other(manager):
    manager.run("pgbbbbbbbb1", PG, "INSERT INTO customers VALUES (3, 'secret-of-b')")
    other = manager.run("pgcccccccc1", PG, "SELECT name FROM customers ORDER BY id")
    assert other["rows"] == [["Ada"], ["Brian"]]
    cross = manager.run("pgcccccccc1", PG, "SELECT * FROM s_pgbbbbbbbb1.public.customers")
    assert "cross-database references are not implemented" in cross["error"]["message"]
    # nor can one learner hand its role to another (which would open its database to it)
    granted = manager.run("pgcccccccc1", PG, "GRANT p_pgcccccccc1 TO p_pgbbbbbbbb1")
    assert granted["error"] is not None


def test_postgres_results_and_cells_are_bounded_and_runs_time_out(manager):
    many = manager.run("pgdddddddd1", PG, "SELECT g, repeat('x', 5000) FROM generate_series(1, 100000) g")
    assert len(many["rows"]) == MAX_ROWS and many["truncated"]
    assert len(many["rows"][0][1]) <= MAX_CELL_CHARS + 40
    started = time.monotonic()
    slow = manager.run("pgdddddddd1", PG, "SET statement_timeout = 0; SELECT pg_sleep(30)")
    assert time.monotonic() - started < 10 and "stops a run" in slow["error"]["message"]
    assert manager.run("pgdddddddd1", PG, "SELECT 1")["rows"] == [[1]]  # the session still works


def test_postgres_schema_has_keys_relations_and_samples(manager):
    schema = manager.schema("pgeeeeeeee1", PG)
    tables = {t["name"]: t for t in schema["tables"]}
    assert {c["name"]: c["pk"] for c in tables["customers"]["columns"]} == {"id": True, "name": False}
    assert schema["relations"] == [
        {"from": "orders", "from_columns": ["customer_id"], "to": "customers", "to_columns": ["id"]}
    ]
    assert tables["customers"]["sample"] == [[1, "Ada"], [2, "Brian"]]


def test_postgres_reset_and_expiry(manager):
    manager.run("pgffffffff1", PG, "DROP TABLE orders; DELETE FROM customers")
    manager.reset("pgffffffff1", PG)
    assert manager.run("pgffffffff1", PG, "SELECT count(*) FROM customers")["rows"] == [[2]]
    manager.open("pgffffffff1", PG, ttl=0.5)
    time.sleep(0.6)
    assert "pgffffffff1" in manager.reap(wait=True)
    assert all(s["session"] != "pgffffffff1" for s in manager.live())
    databases = manager.run("pggggggggg1", PG, "SELECT datname FROM pg_database")["rows"]
    assert ["s_pgffffffff1"] not in databases  # the scratch database went with the session


# -- Redis


def test_redis_session_has_a_server_of_its_own(manager):
    result = manager.run("rdaaaaaaaa1", REDIS, "GET greeting\nINCR greeting\nZRANGE board 0 -1")
    assert result["rows"][0][2] == '"hello"' and result["error"]["line"] == 2
    manager.run("rdaaaaaaaa1", REDIS, "SET mine 1")
    assert "(nil)" in manager.run("rdbbbbbbbb1", REDIS, "GET mine")["rows"][0][2]
    refused = manager.run("rdbbbbbbbb1", REDIS, "PING\nCONFIG SET dir /tmp")
    assert refused["error"]["line"] == 2 and "CONFIG" in refused["error"]["message"]
    keys = {t["name"] for t in manager.schema("rdbbbbbbbb1", REDIS)["tables"]}
    assert keys == {"greeting", "board"}


def test_redis_expiry_removes_the_server_and_its_files(manager):
    manager.open("rdcccccccc1", REDIS, ttl=0.3)
    before = set(manager.sandbox_paths())
    time.sleep(0.4)
    manager.reap(wait=True)
    gone = before - set(manager.sandbox_paths())
    assert gone and not any(Path(p).exists() for p in gone)


# -- MongoDB (emulated)


def test_mongo_runs_finds_and_pipelines_per_session(manager):
    found = manager.run("mgaaaaaaaa1", MONGO, '{"collection": "orders", "find": {"total": {"$gt": 6}}}')
    assert [row[1:] for row in found["rows"]] == [["bob", 9]] and "emulated" in found["notice"]
    manager.run("mgaaaaaaaa1", MONGO, '[{"deleteMany": "orders", "filter": {}}]')
    assert manager.run("mgaaaaaaaa1", MONGO, '{"collection": "orders", "find": {}}')["rows"] == []
    assert len(manager.run("mgbbbbbbbb1", MONGO, '{"collection": "orders", "find": {}}')["rows"]) == 2
    manager.reset("mgaaaaaaaa1", MONGO)
    assert len(manager.run("mgaaaaaaaa1", MONGO, '{"collection": "orders", "find": {}}')["rows"]) == 2


# -- MariaDB


@pytest.mark.skipif(not os.access("/usr/sbin/mariadbd", os.X_OK), reason="mariadbd is not installed")
def test_mariadb_runs_isolated_and_bounded(manager):
    result = manager.run("mdaaaaaaaa1", MARIA, "SELECT name FROM customers ORDER BY id;\nSELECT nope FROM customers;")
    assert result["rows"] == [["Ada"], ["Brian"]] and result["error"]["line"] == 2
    denied = manager.run("mdbbbbbbbb1", MARIA, "SELECT * FROM s_mdaaaaaaaa1.customers")
    assert "denied" in denied["error"]["message"]
    slow = manager.run("mdbbbbbbbb1", MARIA, "SET max_statement_time = 0; SELECT SLEEP(30)")
    assert "stops a run" in slow["error"]["message"]
    schema = manager.schema("mdaaaaaaaa1", MARIA)
    assert schema["relations"][0]["to"] == "customers"
    assert "PRIMARY" in manager.run("mdaaaaaaaa1", MARIA, "SELECT * FROM customers WHERE id = 1", explain=True)["plan"]


def test_a_lab_seed_that_needs_the_admin_is_loaded_and_handed_to_the_learner(manager):
    seed = Dataset(
        "postgres",
        (
            "CREATE ROLE play_reader_test NOLOGIN;"
            "CREATE TABLE staff (id int PRIMARY KEY, salary int);"
            "INSERT INTO staff VALUES (1, 100);"
            "GRANT SELECT ON staff TO play_reader_test;",
        ),
    )
    result = manager.run("pghhhhhhhh1", seed, "UPDATE staff SET salary = 200 RETURNING salary")
    assert result["error"] is None and result["rows"] == [[200]]  # the learner owns the seeded table
    assert manager.schema("pghhhhhhhh1", seed)["notes"] == []


def test_lesson_blocks_that_fail_are_skipped_and_noted(manager):
    lesson = Dataset("redis", ("SET a 1\nDEBUG SLEEP 0\n", "INCR a"), kind="lesson")
    result = manager.run("rdlesson001", lesson, "GET a\nCONFIG GET appendonly")
    assert result["rows"][0][2] == '"2"' and result["error"] is None  # CONFIG GET of a persistence setting
    notes = manager.schema("rdlesson001", lesson)["notes"]
    assert len(notes) == 1 and "block 1" in notes[0] and "DEBUG" in notes[0]


def test_a_session_whose_server_died_is_rebuilt_and_the_learner_told(manager):
    import signal

    manager.run("pgkkkkkkkk1", PG, "DELETE FROM orders")
    server = manager.engine("postgres").instance()
    os.kill(server.pid, signal.SIGKILL)  # as the box's OOM killer would
    server.process.wait(timeout=10)
    result = manager.run("pgkkkkkkkk1", PG, "SELECT count(*) FROM orders")
    assert result["rows"] == [[1]] and "stopped" in result["notice"]  # back to the seed, and said so
    assert "stopped" not in manager.run("pgkkkkkkkk1", PG, "SELECT 1")["notice"]

    manager.run("rdkkkkkkkk1", REDIS, "SET extra 1")
    scratch = next(s for s in manager._sessions.values() if s.session_id == "rdkkkkkkkk1").scratch
    scratch.deployment.nodes[0].process.kill()
    scratch.deployment.nodes[0].process.wait(timeout=10)
    result = manager.run("rdkkkkkkkk1", REDIS, "EXISTS extra")
    assert result["rows"][0][2] == "(integer) 0" and "stopped" in result["notice"]


def test_a_full_playground_makes_room_from_the_idlest_session_or_says_it_is_full(monkeypatch):
    from labs.playground import manager as managers

    monkeypatch.setattr(managers, "MAX_SESSIONS", 2)
    small = Manager()
    try:
        small.open("mgfull00001", MONGO)
        small.open("mgfull00002", MONGO)
        with pytest.raises(managers.PlaygroundError, match="all are in use"):
            small.open("mgfull00003", MONGO)
        small._sessions["mgfull00001"].last_used -= managers.EVICT_IDLE + 1  # idle for over a minute
        small.open("mgfull00003", MONGO)
        assert {s["session"] for s in small.live()} == {"mgfull00002", "mgfull00003"}
    finally:
        small.close()
