"""Reading Redis answers: redis-cli quoting rules, comments, and commands refused before running."""

from __future__ import annotations

import pytest

from labs.attempt import AnswerRejected
from labs.sandbox.redis import (
    CommandSyntaxError,
    format_reply,
    parse_answer,
    parse_commands,
    parse_memory,
    split_command_line,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SET a b", [b"SET", b"a", b"b"]),
        ('SET greeting "hello world"', [b"SET", b"greeting", b"hello world"]),
        ("SET k 'it\\'s'", [b"SET", b"k", b"it's"]),
        (
            'SET k "tab\\there\\nnewline \\"quoted\\" back\\\\slash"',
            [b"SET", b"k", b'tab\there\nnewline "quoted" back\\slash'],
        ),
        ('SET bin "\\x00\\xff"', [b"SET", b"bin", b"\x00\xff"]),
        ("SET k 'no \\n escapes in single quotes'", [b"SET", b"k", b"no \\n escapes in single quotes"]),
        ('SET ""  x', [b"SET", b"", b"x"]),
        ("   ZADD   lb  10  alice   ", [b"ZADD", b"lb", b"10", b"alice"]),
        ("SET k caf\u00e9", [b"SET", b"k", "caf\u00e9".encode()]),
        ("SET {user:42}:cart 3", [b"SET", b"{user:42}:cart", b"3"]),
    ],
)
def test_split_command_line_follows_redis_cli_quoting(line, expected):
    assert split_command_line(line) == expected


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('SET k "unterminated', "never closed"),
        ("SET k 'unterminated", "never closed"),
        ('SET k "closed"glued', "followed by a space"),
    ],
)
def test_split_command_line_reports_unbalanced_quotes_with_the_line(line, problem):
    with pytest.raises(CommandSyntaxError) as caught:
        split_command_line(line, line_number=7)
    assert caught.value.line == 7
    assert problem in str(caught.value)


def test_parse_commands_skips_blank_lines_and_comments_and_keeps_line_numbers():
    commands = parse_commands("# a comment\n\nSET a 1\n   # indented comment\nGET a\n")
    assert [(c.line, c.name, c.text) for c in commands] == [(3, "SET", "SET a 1"), (5, "GET", "GET a")]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("CONFIG SET dir /tmp", "CONFIG is disabled in lab sandboxes"),
        ("config set maxmemory 0", "CONFIG is disabled in lab sandboxes"),
        ("DEBUG SEGFAULT", "DEBUG is disabled in lab sandboxes: it can crash or freeze the server"),
        ("SHUTDOWN NOSAVE", "SHUTDOWN is disabled in lab sandboxes: it stops the server"),
        ("SET a 1\nSLAVEOF 10.0.0.1 6379", "SLAVEOF is disabled in lab sandboxes: it connects your sandbox"),
        ("BGSAVE", "keep data in memory only"),
        ("MODULE LOAD /tmp/evil.so", "MODULE is disabled"),
        ("ACL SETUSER learner +@all", "ACL is disabled"),
        ("MIGRATE 10.0.0.1 6379 k 0 1000", "MIGRATE is disabled"),
        ("CLIENT KILL ID 1", "CLIENT KILL is disabled in lab sandboxes: it manages other connections"),
        ("MONITOR", "never returns"),
        ("SUBSCRIBE news", "use PUBLISH"),
        ("AUTH default guess", "authenticates you already"),
    ],
)
def test_dangerous_commands_are_refused_with_the_reason_and_the_line(answer, expected):
    with pytest.raises(AnswerRejected) as caught:
        parse_answer(answer, "standalone")
    message = str(caught.value)
    assert expected in message
    assert f"line {len(answer.splitlines())}" in message.lower()


def test_cluster_layout_commands_are_refused_but_read_only_cluster_commands_are_allowed():
    with pytest.raises(AnswerRejected, match="CLUSTER MEET is disabled in lab sandboxes: it changes the cluster"):
        parse_answer("CLUSTER MEET 127.0.0.1 7000", "cluster")
    with pytest.raises(AnswerRejected, match="only database 0"):
        parse_answer("SELECT 1", "cluster")
    assert [c.name for c in parse_answer("CLUSTER KEYSLOT foo\nCLIENT SETNAME me", "cluster")] == ["CLUSTER", "CLIENT"]


def test_flushall_eval_and_keys_are_allowed_because_they_only_touch_the_learners_own_server():
    commands = parse_answer('FLUSHALL\nKEYS *\nEVAL "return 1" 0\nINFO memory', "standalone")
    assert [c.name for c in commands] == ["FLUSHALL", "KEYS", "EVAL", "INFO"]


def test_unreadable_or_empty_answers_are_rejected_with_advice():
    with pytest.raises(AnswerRejected, match=r"Line 2 could not be read: .*never closed.*Quote values"):
        parse_answer('SET a 1\nSET b "oops', "standalone")
    with pytest.raises(AnswerRejected, match="no commands"):
        parse_answer("# only a comment\n", "standalone")
    with pytest.raises(AnswerRejected, match="limited to"):
        parse_answer("SET a " + "x" * (1 << 20), "standalone")


def test_memory_units_follow_redis():
    assert parse_memory("32mb") == 32 << 20
    assert parse_memory("1k") == 1000
    assert parse_memory("2gb") == 2 << 30
    assert parse_memory(1234) == 1234


def test_replies_are_shown_like_redis_cli():
    assert format_reply(None) == "(nil)"
    assert format_reply(3) == "(integer) 3"
    assert format_reply(b"hi") == '"hi"'
    assert format_reply([b"a", 1, None]) == '["a", (integer) 1, (nil)]'
