"""The learner's answer: redis-cli style lines split into commands (redis-cli quoting rules),
and the commands refused before anything runs, each with the reason the learner sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from labs.attempt import AnswerRejected

MAX_ANSWER_LINES = 5000
MAX_ANSWER_BYTES = 1 << 20

# Refused before anything runs, with the reason shown to the learner.
_OTHER_SERVERS = "it connects your sandbox to another server, and lab sandboxes are isolated"
_DISK = "it writes files on the server's disk, and lab sandboxes keep data in memory only"
FORBIDDEN_COMMANDS: dict[str, str] = {
    "CONFIG": "it changes the server's settings (memory limit, files on disk), which the lab fixes",
    "DEBUG": "it can crash or freeze the server",
    "SHUTDOWN": "it stops the server your answer is graded on",
    "MODULE": "it loads native code into the server",
    "ACL": "it changes who may run which commands",
    "REPLICAOF": _OTHER_SERVERS,
    "SLAVEOF": _OTHER_SERVERS,
    "SYNC": _OTHER_SERVERS,
    "PSYNC": _OTHER_SERVERS,
    "FAILOVER": _OTHER_SERVERS,
    "MIGRATE": _OTHER_SERVERS,
    "SAVE": _DISK,
    "BGSAVE": _DISK,
    "BGREWRITEAOF": _DISK,
    "MONITOR": "it streams every command forever and never returns a reply",
    "SUBSCRIBE": "it turns the connection into a listener that waits for messages forever (use PUBLISH)",
    "PSUBSCRIBE": "it turns the connection into a listener that waits for messages forever (use PUBLISH)",
    "SSUBSCRIBE": "it turns the connection into a listener that waits for messages forever (use SPUBLISH)",
    "AUTH": "the lab connects and authenticates you already",
    "HELLO": "the lab connects you already and reads replies in the RESP2 protocol",
    "RESET": "it resets the connection the lab opened for you",
    "QUIT": "the lab closes the connection for you after your last line",
}
# Subcommands of CLIENT and CLUSTER that only read: the others manage connections or the
# cluster layout, which the lab owns.
ALLOWED_SUBCOMMANDS = {
    "CLIENT": {"ID", "GETNAME", "SETNAME", "INFO"},
    "CLUSTER": {"KEYSLOT", "INFO", "NODES", "SLOTS", "SHARDS", "COUNTKEYSINSLOT", "GETKEYSINSLOT", "MYID", "LINKS"},
}
SUBCOMMAND_REASONS = {
    "CLIENT": "it manages other connections, including the grader's",
    "CLUSTER": "it changes the cluster's layout, which the lab sets up for you",
}

TRANSACTION_COMMANDS = {"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"}

# --------------------------------------------------------------------------- commands


class CommandSyntaxError(ValueError):
    """A line that redis-cli could not split into arguments either."""

    def __init__(self, line: int, problem: str):
        self.line, self.problem = line, problem
        super().__init__(f"line {line}: {problem}")


@dataclass(frozen=True)
class RedisCommand:
    line: int  # 1-based line number in its file, for messages
    argv: tuple[bytes, ...]
    text: str  # the line as written, for messages

    @property
    def name(self) -> str:
        return self.argv[0].decode("utf-8", "replace").upper()

    @property
    def subcommand(self) -> str:
        return self.argv[1].decode("utf-8", "replace").upper() if len(self.argv) > 1 else ""


_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a"}
_HEX = set("0123456789abcdefABCDEF")


def split_command_line(line: str, line_number: int = 1) -> list[bytes]:
    """Split one line into arguments the way redis-cli does (sdssplitargs).

    Double quotes allow ``\\n \\r \\t \\b \\a \\\\ \\" \\xHH`` escapes; single quotes only
    ``\\'``; a closing quote must be followed by a space or the end of the line.
    """
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        token = bytearray()
        in_double = in_single = False
        while True:
            if in_double:
                if i >= n:
                    raise CommandSyntaxError(line_number, 'a double quote (") is never closed')
                c = line[i]
                if c == "\\" and i + 3 < n and line[i + 1] == "x" and line[i + 2] in _HEX and line[i + 3] in _HEX:
                    token.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == "\\" and i + 1 < n:
                    i += 1
                    token += _ESCAPES.get(line[i], line[i].encode())
                elif c == '"':
                    if i + 1 < n and not line[i + 1].isspace():
                        raise CommandSyntaxError(line_number, "a closing quote must be followed by a space")
                    i += 1
                    break
                else:
                    token += c.encode()
            elif in_single:
                if i >= n:
                    raise CommandSyntaxError(line_number, "a single quote (') is never closed")
                c = line[i]
                if c == "\\" and i + 1 < n and line[i + 1] == "'":
                    token += b"'"
                    i += 1
                elif c == "'":
                    if i + 1 < n and not line[i + 1].isspace():
                        raise CommandSyntaxError(line_number, "a closing quote must be followed by a space")
                    i += 1
                    break
                else:
                    token += c.encode()
            else:
                if i >= n or line[i].isspace():
                    break
                c = line[i]
                if c == '"':
                    in_double = True
                elif c == "'":
                    in_single = True
                else:
                    token += c.encode()
            i += 1
        args.append(bytes(token))


def parse_commands(text: str) -> list[RedisCommand]:
    """One command per line; blank lines and ``#`` comments skipped. Raises CommandSyntaxError."""
    commands = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        argv = split_command_line(stripped, number)
        if argv:
            commands.append(RedisCommand(line=number, argv=tuple(argv), text=stripped))
    return commands


def parse_answer(answer: str, topology: str, learner_config: frozenset[str] = frozenset()) -> list[RedisCommand]:
    """The learner's commands, or AnswerRejected naming the line and saying what to change.

    ``learner_config``: the settings this lab lets the learner CONFIG SET and GET (persistence
    labs); every other use of CONFIG stays refused."""
    if len(answer.encode()) > MAX_ANSWER_BYTES:
        raise AnswerRejected(
            f"Your answer is {len(answer.encode()) // 1024} KiB; lab answers are limited to "
            f"{MAX_ANSWER_BYTES // 1024} KiB. Generate data with a loop in EVAL instead of one line per key."
        )
    try:
        commands = parse_commands(answer)
    except CommandSyntaxError as exc:
        raise AnswerRejected(
            f"Line {exc.line} could not be read: {exc.problem}. Quote values with spaces as in redis-cli, "
            'e.g. SET greeting "hello world".'
        ) from None
    if len(commands) > MAX_ANSWER_LINES:
        raise AnswerRejected(f"Your answer has {len(commands)} commands; the limit is {MAX_ANSWER_LINES}.")
    if not commands:
        raise AnswerRejected("Your answer has no commands. Write one Redis command per line, e.g. ZADD lb 10 alice.")
    for command in commands:
        refuse_forbidden(command, topology, learner_config)
    return commands


def refuse_forbidden(command: RedisCommand, topology: str, learner_config: frozenset[str] = frozenset()) -> None:
    name = command.name
    if name == "CONFIG" and learner_config:
        refuse_config(command, learner_config)
        return
    reason = FORBIDDEN_COMMANDS.get(name)
    if name in ("SAVE", "BGSAVE", "BGREWRITEAOF") and learner_config:
        # In a persistence lab the question is what the settings persist on their own.
        reason = (
            "this lab grades what your settings persist by themselves: Redis takes snapshots when a save point "
            "is reached and rewrites the AOF on its own (CONFIG SET save, appendonly)"
        )
    label = name
    if reason is None and name in ALLOWED_SUBCOMMANDS:
        sub = command.subcommand
        if sub not in ALLOWED_SUBCOMMANDS[name]:
            label = f"{name} {sub}".strip()
            reason = SUBCOMMAND_REASONS[name]
    if reason is None and topology == "cluster" and name in ("SELECT", "SWAPDB"):
        reason = "a Redis Cluster has only database 0"
    if reason:
        raise AnswerRejected(
            f"{label} is disabled in lab sandboxes: {reason}. Remove line {command.line} "
            f"(`{shorten(command.text)}`) and submit again."
        )


def refuse_config(command: RedisCommand, allowed: frozenset[str]) -> None:
    """CONFIG SET name value [name value ...] and CONFIG GET name ..., for ``allowed`` names only."""
    names = ", ".join(sorted(allowed))
    sub = command.subcommand
    args = [a.decode("utf-8", "replace").lower() for a in command.argv[2:]]
    where = f"line {command.line} (`{shorten(command.text)}`)"
    if sub not in ("SET", "GET"):
        raise AnswerRejected(
            f"CONFIG {sub} is disabled in this lab: it may only SET or GET {names}. Change {where} and submit again."
        )
    if sub == "SET":
        if not args or len(args) % 2:
            raise AnswerRejected(
                f"CONFIG SET takes pairs of a setting and its value, e.g. CONFIG SET appendfsync everysec; "
                f'{where} has {len(args)} argument(s). Quote a value with spaces: CONFIG SET save "3600 1".'
            )
        args = args[::2]
    refused = [a for a in args if a not in allowed] or ([] if args else ["(no setting)"])
    if refused:
        raise AnswerRejected(
            f"CONFIG {sub} {refused[0]} is not allowed in this lab, which lets you set only {names} "
            f"(exact names, no patterns). Change {where} and submit again."
        )


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
