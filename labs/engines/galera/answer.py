"""The Galera lab's answer: SQL in three sections, each introduced by a line of its own.

``-- @setup``
    Runs once on node1 as ``learner`` in the lab's database before anything else (Galera
    replicates it): a stored procedure, an index. ``DELIMITER`` lines work as in the
    ``mariadb`` client, so a procedure body can contain ``;``.
``-- @increment``
    What the application runs for one purchase, with ``@account`` and ``@amount`` set: the
    platform's writers run it many times at once on node1 and node2.
``-- @lost_two_nodes``
    What the on-call DBA runs on node1 once node2 and node3 are gone. ``SELECT`` / ``SHOW`` run
    as ``learner``; of the server-wide statements only those below are accepted, and the
    platform runs them for the learner (the learner account has no SUPER):
    ``SET GLOBAL wsrep_provider_options = '<pc.* options>'``, ``SET GLOBAL
    wsrep_cluster_address = 'gcomm://…'`` (loopback peers only), ``SET GLOBAL wsrep_on``,
    ``wsrep_desync``, ``wsrep_reject_queries``, ``read_only``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from labs.attempt import AnswerRejected
from labs.engines.mariadb.sql import ScriptError, Statement, find_forbidden, split_statements

SECTIONS = ("setup", "increment", "lost_two_nodes")
MARK = re.compile(r"^[ \t]*--[ \t]*@(\w+)[ \t]*$", re.M)
DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.M | re.I)
SET_GLOBAL = re.compile(r"^\s*SET\s+(?:GLOBAL\s+|@@GLOBAL\.)(\w+)\s*(?:=|:=)\s*(.+?)\s*$", re.I | re.S)
ADMIN_VARIABLES = {"wsrep_provider_options", "wsrep_cluster_address", "wsrep_on", "wsrep_desync",
                   "wsrep_reject_queries", "read_only"}  # fmt: skip
VALUE = re.compile(r"^(?:'([^'\\]*)'|\"([^\"\\]*)\"|([A-Za-z0-9_.]+))$")
PROVIDER_OPTION = re.compile(r"^pc\.[a-z_]+\s*=\s*[A-Za-z0-9_.]+$")
GCOMM = re.compile(r"^gcomm://(?:127\.0\.0\.1:\d+(?:,127\.0\.0\.1:\d+)*)?$")


@dataclass
class AdminSet:
    """A server-wide setting the platform applies for the learner, already validated."""

    variable: str
    value: str  # a literal: quoted strings unquoted, words as written
    quoted: bool
    statement: Statement

    def sql(self) -> tuple[str, tuple[str, ...]]:
        if self.quoted:
            return f"SET GLOBAL {self.variable} = %s", (self.value,)
        return f"SET GLOBAL {self.variable} = {self.value}", ()


@dataclass
class GaleraAnswer:
    setup: list[Statement] = field(default_factory=list)
    increment: list[Statement] = field(default_factory=list)
    recovery: list[Statement | AdminSet] = field(default_factory=list)


def split_with_delimiters(text: str) -> list[Statement]:
    """Statements of ``text`` honouring ``DELIMITER`` lines the way the mariadb client does."""
    out: list[Statement] = []
    delimiter = ";"
    position = 0
    chunks: list[tuple[str, str]] = []
    for match in DELIMITER.finditer(text):
        chunks.append((text[position : match.start()], delimiter))
        delimiter, position = match.group(1), match.end()
    chunks.append((text[position:], delimiter))
    for chunk, delim in chunks:
        parts = split_statements(chunk) if delim == ";" else [p for x in chunk.split(delim) for p in _whole(x)]
        for part in parts:
            out.append(Statement(part.text, part.code, len(out) + 1))
    return out


def _whole(piece: str) -> list[Statement]:
    """One statement written between custom delimiters (its inner ``;`` stay)."""
    if not piece.strip():
        return []
    split_statements(piece)  # raises on unterminated quotes and comments
    code = " ".join(" ".join(s.code for s in split_statements(piece)).split())
    return [Statement(piece.strip(), code)] if code else []


def parse_answer(text: str) -> GaleraAnswer:
    marks = list(MARK.finditer(text))
    problems: list[str] = []
    if not marks:
        raise AnswerRejected(
            "The answer has no section lines. Write '-- @setup', '-- @increment' and '-- @lost_two_nodes' "
            "each on a line of its own, with the statements for that moment below it."
        )
    try:
        if split_statements(text[: marks[0].start()]):
            problems.append("There are statements before the first section line; they belong to no moment.")
    except ScriptError as exc:
        raise AnswerRejected(f"{exc.message} {exc.hint}".strip()) from None
    answer = GaleraAnswer()
    seen: set[str] = set()
    for i, mark in enumerate(marks):
        name = mark.group(1).lower()
        line = text.count("\n", 0, mark.start()) + 1
        if name not in SECTIONS:
            problems.append(f"Line {line}: '-- @{mark.group(1)}' is not a section; use {', '.join(SECTIONS)}.")
            continue
        if name in seen:
            problems.append(f"Line {line}: a second '-- @{name}' section; write each section once.")
            continue
        seen.add(name)
        body = text[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        try:
            statements = split_with_delimiters(body)
        except ScriptError as exc:
            raise AnswerRejected(f"In the -- @{name} section (line {line}): {exc.message} {exc.hint}".strip()) from None
        forbidden = find_forbidden(statements, operations=name == "lost_two_nodes")
        if forbidden:
            raise AnswerRejected(f"In the -- @{name} section: {forbidden}")
        if name == "setup":
            answer.setup = statements
        elif name == "increment":
            answer.increment = statements
        else:
            answer.recovery = [_recovery_step(s, problems) for s in statements]
    if "increment" not in seen or not answer.increment:
        problems.append("The '-- @increment' section is missing or empty: it is what every purchase runs.")
    if problems:
        raise AnswerRejected(" ".join(problems))
    return answer


def _recovery_step(statement: Statement, problems: list[str]) -> Statement | AdminSet:
    if not re.match(r"\s*SET\b", statement.code):
        if statement.first_word in ("SELECT", "SHOW", "DO"):
            return statement
        problems.append(
            f"-- @lost_two_nodes statement {statement.index} ({statement.short(50)}): only SELECT, SHOW and the "
            "server-wide settings listed in the README run there."
        )
        return statement
    match = SET_GLOBAL.match(_strip_comments(statement.text))
    if not match or match.group(1).lower() not in ADMIN_VARIABLES:
        problems.append(
            f"-- @lost_two_nodes statement {statement.index} ({statement.short(50)}): the platform applies "
            f"SET GLOBAL for {', '.join(sorted(ADMIN_VARIABLES))} only."
        )
        return statement
    variable = match.group(1).lower()
    literal = VALUE.match(match.group(2).rstrip(";").strip())
    if not literal:
        problems.append(f"-- @lost_two_nodes statement {statement.index}: give {variable} a plain literal value.")
        return statement
    quoted = literal.group(3) is None
    value = literal.group(1) if literal.group(1) is not None else literal.group(2) or literal.group(3) or ""
    if variable == "wsrep_provider_options":
        options = [o.strip() for o in value.split(";") if o.strip()]
        bad = [o for o in options if not PROVIDER_OPTION.match(o)]
        if bad or not options:
            problems.append(
                f"-- @lost_two_nodes statement {statement.index}: only pc.* provider options (the primary "
                f"component's) can be changed here, not {'; '.join(bad) or 'an empty list'}."
            )
    elif variable == "wsrep_cluster_address" and not GCOMM.match(value):
        problems.append(
            f"-- @lost_two_nodes statement {statement.index}: wsrep_cluster_address must be gcomm:// followed by "
            "127.0.0.1:port peers (or nothing)."
        )
    return AdminSet(variable, value, quoted, statement)


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*|#[^\n]*|/\*.*?\*/", " ", sql, flags=re.S).strip()
