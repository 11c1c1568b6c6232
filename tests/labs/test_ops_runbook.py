"""The runbook answer format and scenario.sql parsing: pure parsing, no server started."""

from __future__ import annotations

from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.runbook import MarkRef, RunbookError, parse_lab_runbook, parse_runbook
from labs.sandbox.pg_cluster import parse_scenario, scenario_marks, split_statements
from labs.spec import load_spec

LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"
OPS_LABS = sorted(p for p in LABS.glob("ops-*") if (p / "lab.toml").is_file())


def problems_of(text: str, topology: str, **kwargs) -> list[str]:
    with pytest.raises(RunbookError) as caught:
        parse_runbook(text, topology, **kwargs)
    return str(caught.value).splitlines()


def test_every_problem_is_reported_at_once_with_its_line_number():
    lines = problems_of(
        "restor_base_backup\nset recovery_target_lsn 0/zz\n\nset recovery_target_actoin promote\nstart now\n",
        "archive",
    )
    assert lines == [
        "line 1: unknown step 'restor_base_backup' — did you mean 'restore_base_backup'?",
        "line 2: recovery_target_lsn 0/zz is not an LSN; write it as '0/3000060' (two hexadecimal halves) or a mark "
        "such as @drop.lsn",
        "line 4: unknown setting 'recovery_target_actoin' — did you mean 'recovery_target_action'?; settings here: "
        "recovery_target_time, recovery_target_xid, recovery_target_lsn, recovery_target_name, recovery_target, "
        "recovery_target_inclusive, recovery_target_action, recovery_target_timeline",
        "line 5: start takes no arguments, got 'now'",
    ]


def test_a_step_of_another_topology_is_named_as_such():
    [line] = problems_of("restore_base_backup\ncreate_replication_slot s1\nstart\n", "archive")
    assert line.startswith("line 2: 'create_replication_slot' is a step of standby labs")
    assert "restore_base_backup, set, start, promote" in line


def test_a_valid_pitr_runbook_becomes_steps_with_mark_references():
    steps = parse_runbook(
        "# recover to two seconds before the DROP\n"
        "restore_base_backup\n"
        "set recovery_target_time @drop.time - 2s   # a comment after a step\n"
        "set recovery_target_inclusive = off\n"
        "set recovery_target_action promote\n"
        "start\n"
        "promote\n",
        "archive",
        marks={"drop"},
    )
    assert [(s.line, s.name) for s in steps] == [
        (2, "restore_base_backup"),
        (3, "set"),
        (4, "set"),
        (5, "set"),
        (6, "start"),
        (7, "promote"),
    ]
    assert steps[1].args == {"param": "recovery_target_time", "value": MarkRef("drop", "time", -2.0)}
    assert steps[2].args == {"param": "recovery_target_inclusive", "value": False}


def test_literal_targets_are_validated_and_normalised():
    steps = parse_runbook("restore_base_backup\nset recovery_target_time '2026-03-01 14:02:17+00'\nstart\n", "archive")
    assert steps[1].args["value"] == "2026-03-01 14:02:17+00"
    steps = parse_runbook("restore_base_backup\nset recovery_target_lsn '0/3000a60'\nstart\n", "archive")
    assert steps[1].args["value"] == "0/3000A60"
    lines = problems_of(
        "restore_base_backup\nset recovery_target_time 'yesterday'\nset recovery_target_xid -4\nstart\n", "archive"
    )
    assert lines[0].startswith("line 2: recovery_target_time 'yesterday' is not a timestamp")
    assert lines[1].startswith("line 3: recovery_target_xid -4 is not a transaction id")


def test_two_recovery_targets_are_refused_because_postgres_would_not_start():
    [line] = problems_of(
        "restore_base_backup\nset recovery_target_name 'before_drop'\nset recovery_target_xid 745\nstart\n", "archive"
    )
    assert line.startswith(
        "line 3: more than one recovery target: recovery_target_name (line 2), "
        "recovery_target_xid (line 3). Postgres refuses to start with several"
    )


def test_order_mistakes_name_the_lines_involved():
    lines = problems_of("promote\nstart\nrestore_base_backup\nset recovery_target_action promote\n", "archive")
    assert lines == [
        "line 1: promote needs a running server: put it after start",
        "line 3: restore_base_backup must come before start (line 2)",
        "line 4: set recovery_target_action comes after start (line 2): the server reads its settings when it "
        "starts; move this line above start",
    ]


def test_missing_steps_are_reported_at_the_end_of_the_runbook():
    assert problems_of("set recovery_target_name 'x'\n", "archive") == [
        "end of runbook: the runbook never restores the base backup: begin with restore_base_backup",
        "end of runbook: the runbook never starts the restored server: add start after your settings",
    ]
    assert problems_of("# nothing yet\n\n", "archive") == [
        "end of runbook: the runbook is empty; steps of this lab: restore_base_backup, set, start, promote"
    ]


def test_a_misspelt_step_is_not_reported_twice_as_missing():
    assert problems_of("restore_base_backup\nstrat\n", "archive") == [
        "line 2: unknown step 'strat' — did you mean 'start'?"
    ]


def test_unknown_marks_list_the_labs_marks():
    [line] = problems_of(
        "restore_base_backup\nset recovery_target_xid @dorp.xid\nstart\n", "archive", marks={"drop", "alert"}
    )
    assert line == "line 2: unknown mark @dorp — did you mean 'drop'?; this lab's marks: alert, drop"
    [line] = problems_of("restore_base_backup\nset recovery_target_xid @drop.time\nstart\n", "archive")
    assert "gives a time where this setting needs a xid" in line


def test_recovery_target_action_shutdown_is_explained():
    [line] = problems_of("restore_base_backup\nset recovery_target_action shutdown\nstart\n", "archive")
    assert "grades a running one" in line


def test_standby_slots_must_exist_before_they_are_used():
    lines = problems_of(
        "take_base_backup slot=standby1\nset primary_slot_name 'other'\nstart_standby\nwait_for_catchup timeout=0\n",
        "standby",
    )
    assert lines == [
        "line 1: slot standby1 is used before it exists: add create_replication_slot standby1 above this line",
        "line 2: slot other is used before it exists: add create_replication_slot other above this line",
        "line 4: wait_for_catchup timeout= takes a number of seconds above 0, got '0'",
    ]


def test_standby_runbook_parses():
    steps = parse_runbook(
        "create_replication_slot standby1\ntake_base_backup slot=standby1\n"
        "set recovery_min_apply_delay '500ms'\nset hot_standby on\nstart_standby\n"
        "wait_for_catchup timeout=3s\n",
        "standby",
    )
    assert [s.args for s in steps] == [
        {"slot": "standby1"},
        {"slot": "standby1"},
        {"param": "recovery_min_apply_delay", "value": "500ms"},
        {"param": "hot_standby", "value": True},
        {},
        {"timeout": 3.0},
    ]


def test_shard_steps_are_checked_against_each_other():
    lines = problems_of(
        "create_sharded_table orders by hash(customer_id)\n"
        "attach_shard orders shard=1 modulus=3 remainder=0\n"
        "attach_shard orders shard=2 modulus=4 remainder=0\n"
        "attach_shard orders shard=2 from=1 to=10\n"
        "attach_shard orders shard=5 modulus=3 remainder=3\n"
        "copy_rows customers\n",
        "shards",
        shards=3,
    )
    assert "line 5: shard=5: this lab has 3 shards, numbered 1 to 3" in lines
    lines = problems_of(
        "create_sharded_table orders by hash(customer_id)\n"
        "attach_shard orders shard=1 modulus=3 remainder=0\n"
        "attach_shard orders shard=2 modulus=4 remainder=0\n"
        "attach_shard orders shard=2 from=1 to=10\n"
        "copy_rows customers\n",
        "shards",
        shards=3,
    )
    assert lines == [
        "line 4: orders is partitioned by hash (line 1); this shard gives range bounds",
        "line 5: copy_rows customers: shard the table first with create_sharded_table customers by hash(<column>)",
        "end of runbook: the rows of orders never reach the shards: end with copy_rows orders",
    ]


def test_shard_values_and_identifiers_are_validated():
    lines = problems_of(
        "create_sharded_table Orders; by hash(id)\nattach_shard orders shard=1 from=9 to=3\n"
        "create_sharded_table t by list(id)\n",
        "shards",
    )
    assert lines[0].startswith("line 1: table 'Orders;' is not a plain name")
    assert lines[1] == "line 2: from=9 must be below to=3: the range [from, to) would be empty"
    assert lines[2].startswith("line 3: create_sharded_table: partition method 'list' is not hash or range")


def test_a_hash_sign_inside_quotes_is_not_a_comment():
    steps = parse_runbook("restore_base_backup\nset recovery_target_name 'fix #42' # a comment\nstart\n", "archive")
    assert steps[1].args["value"] == "fix #42"


def test_runbook_errors_are_answer_rejections_so_the_grader_refuses_them():
    assert issubclass(RunbookError, AnswerRejected)
    with pytest.raises(ValueError, match="no runbook vocabulary"):
        parse_runbook("start", "database")


@pytest.mark.parametrize("lab", OPS_LABS, ids=lambda p: p.name)
def test_every_fixture_runbook_parses_with_the_labs_marks(lab):
    spec = load_spec(lab)
    for path in [spec.solution_path, *spec.wrong_paths]:
        parse_lab_runbook(spec, path.read_text())
    assert len(spec.wrong_paths) >= 2


def test_the_site_validates_against_the_labs_own_marks_and_shard_count():
    pitr, shards = load_spec(LABS / "ops-pitr"), load_spec(LABS / "ops-shards")
    assert scenario_marks(pitr) == {"drop", "alert"}
    with pytest.raises(RunbookError, match="line 2: unknown mark @oops; this lab's marks: alert, drop"):
        parse_lab_runbook(pitr, "restore_base_backup\nset recovery_target_xid @oops.xid\nstart\n")
    with pytest.raises(RunbookError, match="shard=4: this lab has 3 shards"):
        parse_lab_runbook(shards, "create_sharded_table orders by hash(id)\nattach_shard orders shard=4 from=1 to=2\n")


def test_limits_are_on_the_whole_runbook_never_on_one_line():
    # A long comment line and many comment lines are fine; only the whole answer is bounded.
    long_comment = "# " + "why this target: " * 60
    steps = parse_runbook("restore_base_backup\n" + long_comment + "\n" + "#\n" * 500 + "start\n", "archive")
    assert [s.name for s in steps] == ["restore_base_backup", "start"]
    assert problems_of("start\n" * 201, "archive") == [
        "line 201: a runbook may hold at most 200 steps (comments do not count)"
    ]
    [line] = problems_of("restore_base_backup\n" + "#" * 70_000 + "\nstart\n", "archive")
    assert line.startswith("end of runbook: the runbook is 70,") and "at most 64 KiB" in line


def test_split_statements_respects_quotes_dollar_quotes_and_comments():
    text = (
        "INSERT INTO t VALUES ('a;b', E'it\\'s;');\n-- a comment; with a semicolon\n"
        'DO $body$ BEGIN PERFORM 1; END $body$;\n/* block; comment */ SELECT "x;y" FROM t;;\n-- trailing\n'
    )
    assert split_statements(text) == [
        "INSERT INTO t VALUES ('a;b', E'it\\'s;')",
        "-- a comment; with a semicolon\nDO $body$ BEGIN PERFORM 1; END $body$",
        '/* block; comment */ SELECT "x;y" FROM t',
    ]


def test_scenario_marks_attach_to_the_next_statement():
    items = parse_scenario("INSERT INTO t VALUES (1);\n-- @mark drop\nDROP TABLE t;\n-- @sleep 0.1\nSELECT 1;\n")
    assert [(i.sql, i.mark, i.sleep) for i in items] == [
        ("INSERT INTO t VALUES (1)", None, 0.0),
        ("DROP TABLE t", "drop", 0.0),
        ("", None, 0.1),
        ("SELECT 1", None, 0.0),
    ]
    with pytest.raises(ValueError, match="line 2: @mark drop has no statement after it"):
        parse_scenario("SELECT 1;\n-- @mark drop\n")
    with pytest.raises(ValueError, match="unknown directive @marc"):
        parse_scenario("-- @marc drop\nSELECT 1;\n")


def test_names_written_into_the_server_configuration_cannot_carry_escapes():
    [line] = problems_of("restore_base_backup\nset recovery_target_name 'a\\b'\nstart\n", "archive")
    assert line.startswith("line 2: recovery_target_name 'a\\b': a name of 1 to 63 printable characters (no \\)")
    steps = parse_runbook("restore_base_backup\nset recovery_target_name 'it''s fine'\nstart\n", "archive")
    assert steps[1].args["value"] == "it's fine"
