"""SQL text helpers for the Postgres sandbox.

Split a learner's script into statements the way psql does (quotes, dollar quotes, nested
comments, ``\\gset``), substitute psql variables, spot commands the sandbox never runs, find a
top-level ORDER BY, and turn Postgres errors into messages a learner can act on.

Privileges inside Postgres are the real barrier against hostile input; the scan here only
exists so the learner gets a clear sentence instead of a raw permission error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg


@dataclass(frozen=True)
class Statement:
    """One statement of a script, as psql would send it."""

    text: str  # exactly what runs (no terminator), comments kept
    code: str  # upper-cased, literals blanked, comments dropped: for keyword scans
    gset: str | None = None  # psql ``\gset [prefix]``: store the row in variables with this prefix
    index: int = 0  # 1-based position in the script, for messages

    @property
    def first_word(self) -> str:
        match = re.match(r"\s*\(*\s*([A-Z_]+)", self.code)
        return match.group(1) if match else ""

    def short(self, width: int = 80, text: str | None = None) -> str:
        """The statement (or ``text``) on one line without leading comments, cut to ``width``."""
        flat = " ".join(_LEADING_COMMENTS.sub("", text or self.text).split())
        return flat if len(flat) <= width else flat[: width - 1] + "…"


_LEADING_COMMENTS = re.compile(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))+", re.S)


@dataclass
class _Splitter:
    sql: str
    statements: list[Statement] = field(default_factory=list)

    def split(self) -> list[Statement]:
        sql, i, n = self.sql, 0, len(self.sql)
        text: list[str] = []
        code: list[str] = []
        while i < n:
            c = sql[i]
            nxt = sql[i + 1] if i + 1 < n else ""
            if c == "-" and nxt == "-":
                end = sql.find("\n", i)
                end = n if end < 0 else end
                text.append(sql[i:end])
                code.append(" ")
                i = end
            elif c == "/" and nxt == "*":
                end = _end_of_block_comment(sql, i)
                text.append(sql[i:end])
                code.append(" ")
                i = end
            elif c == "'":
                escaped = bool(text) and text[-1][-1:] in ("E", "e") and not _ident_char_before(text, 2)
                end = _end_of_quoted(sql, i, "'", backslash=escaped)
                text.append(sql[i:end])
                code.append("''")
                i = end
            elif c == '"':
                end = _end_of_quoted(sql, i, '"', backslash=False)
                text.append(sql[i:end])
                # a quoted identifier is still a name: keep it (unquoted) so "pg_read_file"() is seen
                code.append(" " + sql[i + 1 : end - 1].replace('""', '"').upper() + " ")
                i = end
            elif c == "$" and not _ident_char_before(text, 1):
                match = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", sql[i:])
                if match:
                    tag = match.group(0)
                    close = sql.find(tag, i + len(tag))
                    end = n if close < 0 else close + len(tag)
                    text.append(sql[i:end])
                    # function and DO bodies are code too: scan them, quotes and all
                    code.append(" " + sql[i + len(tag) : end - len(tag)].upper() + " ")
                    i = end
                else:
                    text.append(c)
                    code.append(c)
                    i += 1
            elif c == ";":
                self._emit(text, code, None)
                text, code = [], []
                i += 1
            elif c == "\\":
                end = sql.find("\n", i)
                end = n if end < 0 else end
                meta = sql[i + 1 : end].strip()
                word, _, rest = meta.partition(" ")
                if word == "gset":
                    self._emit(text, code, rest.strip())
                    text, code = [], []
                else:
                    raise ScriptError(
                        f"psql meta-command \\{word} cannot run here: only SQL statements (and \\gset) are executed.",
                        "Remove the backslash command; describe tables with a query on information_schema instead.",
                    )
                i = end
            else:
                text.append(c)
                code.append(c.upper())
                i += 1
        self._emit(text, code, None)
        return self.statements

    def _emit(self, text: list[str], code: list[str], gset: str | None) -> None:
        body = "".join(text).strip()
        scan = "".join(code)
        if not scan.strip():
            if gset is not None:
                raise ScriptError("\\gset must follow a query.", "Write the SELECT before \\gset on the same line.")
            return
        self.statements.append(Statement(body, scan, gset, len(self.statements) + 1))


class ScriptError(ValueError):
    """The script cannot even be split (an unknown psql command, an unterminated quote)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def _ident_char_before(parts: list[str], back: int) -> bool:
    tail = "".join(parts[-3:])
    if len(tail) < back:
        return False
    ch = tail[-back]
    return ch.isalnum() or ch in "_$"


def _end_of_block_comment(sql: str, start: int) -> int:
    depth, i = 0, start
    while i < len(sql):
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(sql)


def _end_of_quoted(sql: str, start: int, quote: str, backslash: bool) -> int:
    i = start + 1
    while i < len(sql):
        c = sql[i]
        if backslash and c == "\\":
            i += 2
            continue
        if c == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return len(sql)


def split_statements(sql: str) -> list[Statement]:
    """The statements of ``sql`` in order; empty ones (only comments) are dropped."""
    return _Splitter(sql).split()


_VARIABLE = re.compile(r"(?<!:):(?:'([A-Za-z_][A-Za-z_0-9]*)'|\"([A-Za-z_][A-Za-z_0-9]*)\"|([A-Za-z_][A-Za-z_0-9]*))")


def substitute_variables(text: str, variables: dict[str, str]) -> str:
    """psql-style ``:name``, ``:'name'`` (literal) and ``:"name"`` (identifier) substitution.

    Like psql, only defined variables are replaced and never inside quotes or comments, so
    casts (``::int``) and ``:=`` stay untouched.
    """
    if not variables:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"" or text.startswith("--", i) or text.startswith("/*", i) or c == "$":
            end = _skip_literal(text, i)
            if end > i:
                out.append(text[i:end])
                i = end
                continue
        if c == ":":
            match = _VARIABLE.match(text, i)
            if match and (i == 0 or text[i - 1] != ":"):
                name = match.group(1) or match.group(2) or match.group(3)
                if name in variables:
                    value = variables[name]
                    if match.group(1):
                        value = "'" + value.replace("'", "''") + "'"
                    elif match.group(2):
                        value = '"' + value.replace('"', '""') + '"'
                    out.append(value)
                    i = match.end()
                    continue
        out.append(c)
        i += 1
    return "".join(out)


def _skip_literal(text: str, i: int) -> int:
    """End of the quoted string/comment starting at ``i``, or ``i`` when none starts there."""
    if text.startswith("--", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        return _end_of_block_comment(text, i)
    if text[i] in "'\"":
        return _end_of_quoted(text, i, text[i], backslash=False)
    match = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", text[i:])
    if match and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
        close = text.find(match.group(0), i + len(match.group(0)))
        return len(text) if close < 0 else close + len(match.group(0))
    return i


def has_top_level_order_by(sql: str) -> bool:
    """Does the last statement of ``sql`` sort its final result (an ORDER BY outside parentheses)?"""
    statements = split_statements(sql)
    if not statements:
        return False
    depth = 0
    code = statements[-1].code
    for match in re.finditer(r"[()]|\bORDER\s+BY\b", code):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return True
    return False


# What the sandbox refuses before running anything. Each entry: (pattern over Statement.code,
# what the learner tried, why it is refused). Privileges would refuse them anyway.
_FORBIDDEN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bCOPY\b[^;]*\bPROGRAM\b"), "COPY … PROGRAM runs a program on the database server"),
    (
        re.compile(r"\bCOPY\b[^;]*\b(FROM|TO)\s+(E?'')"),
        "COPY to or from a server file reads or writes the server's disk",
    ),
    (re.compile(r"\bALTER\s+SYSTEM\b"), "ALTER SYSTEM changes the server's configuration"),
    (re.compile(r"\b(CREATE|ALTER|DROP)\s+EXTENSION\b"), "extensions load code into the server"),
    (re.compile(r"\bCREATE\s+(OR\s+REPLACE\s+)?(TRUSTED\s+)?(PROCEDURAL\s+)?LANGUAGE\b"), "new languages load code"),
    (re.compile(r"\bSET\s+(SESSION\s+|LOCAL\s+)?ROLE\b"), "SET ROLE switches to another database role"),
    (re.compile(r"\bSESSION\s+AUTHORIZATION\b"), "SET SESSION AUTHORIZATION switches to another user"),
    (re.compile(r"\b(CREATE|ALTER|DROP)\s+(ROLE|USER|GROUP)\b"), "roles are managed by the platform"),
    (
        re.compile(r"\b(CREATE|DROP|ALTER)\s+(DATABASE|TABLESPACE)\b"),
        "databases and tablespaces are managed by the platform",
    ),
    (
        re.compile(r"\bPG_(READ_FILE|READ_BINARY_FILE|LS_DIR|STAT_FILE|LS_LOGDIR|LS_WALDIR|LS_TMPDIR|FILE_\w+)\b"),
        "server file functions read the server's disk",
    ),
    (re.compile(r"\bLO_(IMPORT|EXPORT)\b"), "lo_import/lo_export read and write files on the server"),
    (re.compile(r"\bDBLINK(_\w+)?\s*\("), "dblink opens connections to other servers"),
    (re.compile(r"\bLOAD\s+''"), "LOAD loads a shared library into the server"),
    (re.compile(r"\bPG_(RELOAD_CONF|ROTATE_LOGFILE|PROMOTE|TERMINATE_BACKEND|CANCEL_BACKEND)\b"), "server control"),
]

FORBIDDEN_HINT = (
    "Labs only need SQL on the lab's own tables. Remove that statement; if you were exploring, "
    "try it on a Postgres you run yourself."
)


def find_forbidden(statements: list[Statement]) -> str | None:
    """A learner-facing sentence naming the first statement the sandbox refuses, or None."""
    for statement in statements:
        for pattern, why in _FORBIDDEN:
            if pattern.search(statement.code):
                return (
                    f"Statement {statement.index} ({statement.short(60)}) is not allowed in the sandbox: {why}. "
                    + FORBIDDEN_HINT
                )
    return None


# Permission errors that mean "you tried to escape the sandbox", keyed by a phrase of the
# server's message; anything else with SQLSTATE 42501 is an ordinary privilege error.
_ESCAPE_PHRASES = (
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "must be superuser",
    "permission denied to set role",
    "permission denied to set session authorization",
    "permission denied to create extension",
    "permission denied for function pg_read",
    "permission denied for function lo_",
    "permission denied for function pg_ls",
    "permission denied for function pg_stat_file",
    "permission denied to create role",
    "permission denied to create database",
    "permission denied for language",
)


@dataclass(frozen=True)
class ErrorReport:
    message: str  # learner-facing, starts with what Postgres said
    hint: str
    sqlstate: str
    escape: bool  # a sandbox-escape attempt: the whole answer is rejected


def describe_error(exc: psycopg.Error, statement: Statement | None = None) -> ErrorReport:
    """Turn a Postgres error into a sentence for the learner (which statement, what failed)."""
    diag = exc.diag
    primary = diag.message_primary or str(exc).strip().splitlines()[0]
    sqlstate = diag.sqlstate or ""
    where = f"Statement {statement.index} ({statement.short(60)}) failed" if statement else "Your SQL failed"
    text = f"{where}: ERROR: {primary}"
    if diag.message_detail:
        text += f" DETAIL: {diag.message_detail}"
    hint = diag.message_hint or ""
    lowered = primary.lower()
    if sqlstate == "42501" and any(phrase in lowered for phrase in _ESCAPE_PHRASES):
        return ErrorReport(
            f"{where}: the sandbox does not allow this ({primary}). {FORBIDDEN_HINT}", "", sqlstate, True
        )
    if sqlstate == "42501":
        hint = hint or "The learner role may read and change the lab's tables only; other objects are off limits."
    elif sqlstate == "42883" and "dblink" in lowered:
        return ErrorReport(f"{where}: dblink is not available in the sandbox. {FORBIDDEN_HINT}", "", sqlstate, True)
    elif sqlstate == "42P01":
        hint = hint or "Check the table name against the lab's schema (\\dt in psql, or information_schema.tables)."
    elif sqlstate == "42703":
        hint = hint or "Check the column name and which table it belongs to; qualify it with the table alias."
    elif sqlstate == "42601":
        hint = hint or "Look at the SQL just before the position Postgres complains about."
    elif sqlstate == "42803":
        hint = hint or "Every selected column must be in GROUP BY or inside an aggregate such as count() or sum()."
    elif sqlstate == "25006":
        hint = hint or "This lab is read-only: write a query that reads, it cannot change the data."
    elif sqlstate == "53100" and "temp_file_limit" not in lowered:
        # The attempt's own size-limited disk (its box), never the host's: say so plainly.
        text = f"{where}: it filled this lab's sandbox disk, so no space was left to write ({primary})."
        hint = "Write fewer or smaller rows: a missing WHERE or join condition often multiplies them."
    elif sqlstate == "53100" or "temp_file_limit" in lowered:
        hint = hint or "The query needed too much temporary disk; filter or aggregate earlier."
    return ErrorReport(text, hint, sqlstate, False)
