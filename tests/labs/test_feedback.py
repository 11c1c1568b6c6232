"""Issue 9 item 7: verdict text a learner can act on: SQL errors on their line, readable durations."""

from labs.feedback import duration, error_line, locate_sql_errors
from labs.result import CheckResult

ANSWER = "-- my index\nCREATE INDEX a ON t (x);\n\nSELECT id,\n  name\nFROMM t;\n"


def test_sql_error_line_counts_from_the_statement_and_postgres_position():
    second = ANSWER.split(";")[1].strip()
    assert error_line(ANSWER, {"statement": 2, "position": second.index("FROMM") + 1}) == 6
    assert error_line(ANSWER, {"statement": 2}) == 4  # no position: the statement's first line
    assert error_line(ANSWER, {"statement": 9}) is None


def test_locate_sql_errors_prefixes_the_message_once():
    check = CheckResult("rows", False, "Statement 2 (SELECT id, name FROMM t) failed: ERROR: syntax error")
    check.artifacts["error"] = {"statement": 2, "position": 22}
    locate_sql_errors(ANSWER, [check])
    locate_sql_errors(ANSWER, [check])
    assert check.message.startswith("Line 6: Statement 2") and check.message.count("Line 6") == 1


def test_durations_read_as_seconds_and_a_size_to_picture():
    assert duration(1_209_600) == "1,209,600 s (14 days)"
    assert duration(60) == "60 s (1 minute)"
    assert duration(45) == "45 s"
    assert "e+" not in duration(1_209_540)
