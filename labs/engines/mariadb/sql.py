"""SQL text helpers for the MariaDB sandbox: split a script the way the ``mariadb`` client
does (quotes, backticks, backslash escapes, ``--``/``#``/``/* */`` comments), spot what
the sandbox refuses, and turn server errors into sentences a learner can act on.

The learner account's privileges are the real barrier (no FILE, SUPER, PROCESS; local
infile off); the scan only exists so a refused statement gets a clear sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRANSACTION_START = frozenset({"BEGIN", "START"})
TRANSACTION_END = frozenset({"COMMIT", "ROLLBACK"})


class ScriptError(ValueError):
    """The script cannot be split (an unterminated quote, a client-only command)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Statement:
    text: str  # what runs, comments kept, no terminator
    code: str  # upper-cased, literals blanked, comments dropped: for keyword scans
    index: int = 0  # 1-based position in the script, for messages

    @property
    def first_word(self) -> str:
        match = re.match(r"\s*\(*\s*([A-Z_]+)", self.code)
        return match.group(1) if match else ""

    def short(self, width: int = 70) -> str:
        flat = " ".join(_LEADING_COMMENTS.sub("", self.text).split())
        return flat if len(flat) <= width else flat[: width - 1] + "…"


_LEADING_COMMENTS = re.compile(r"^(\s*(--[^\n]*(\n|$)|#[^\n]*(\n|$)|/\*.*?\*/))+", re.S)


def split_statements(sql: str) -> list[Statement]:
    """Statements of ``sql`` separated by top-level ``;`` (empty ones dropped)."""
    out: list[Statement] = []
    text: list[str] = []
    code: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        if (c == "-" and nxt == "-" and (i + 2 >= n or sql[i + 2] in " \t\r\n")) or c == "#":
            end = sql.find("\n", i)
            end = n if end < 0 else end
            text.append(sql[i:end])
            code.append(" ")
            i = end
        elif c == "/" and nxt == "*":
            end = sql.find("*/", i + 2)
            if end < 0:
                raise ScriptError("A /* comment is never closed with */.", "Close the comment or remove it.")
            chunk = sql[i : end + 2]
            text.append(chunk)
            # /*! ... */ and /*M! ... */ are executable comments: the server runs their content
            code.append(chunk[3:-2].upper() if chunk.startswith(("/*!", "/*M!")) else " ")
            i = end + 2
        elif c in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == "\\" and c != "`":
                    j += 2
                    continue
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise ScriptError(
                    f"A {c} quote is never closed.", "Check the quotes of your strings and identifiers."
                )
            text.append(sql[i : j + 1])
            code.append(sql[i : j + 1].upper() if c == "`" else f"{c}{c}")
            i = j + 1
        elif c == ";":
            _flush(out, text, code)
            text, code = [], []
            i += 1
        else:
            text.append(c)
            code.append(c.upper())
            i += 1
    _flush(out, text, code)
    for statement in out:
        if statement.first_word == "DELIMITER":
            raise ScriptError(
                f"Statement {statement.index} uses DELIMITER, a command of the mariadb client, not SQL.",
                "Write plain statements separated by ';' (this lab needs no stored procedures).",
            )
    return out


def _flush(out: list[Statement], text: list[str], code: list[str]) -> None:
    joined = "".join(code)
    if joined.strip():
        out.append(Statement("".join(text).strip(), " ".join(joined.split()), len(out) + 1))


# What the sandbox refuses outright, with the reason a learner reads. The server would refuse
# them too (no FILE/SUPER, local_infile off); this only gives a sentence instead of a 1045.
_FORBIDDEN = [
    (re.compile(r"\bLOAD\s+DATA\b"), "LOAD DATA reads files, and the sandbox has no files for you to load"),
    (re.compile(r"\bLOAD_FILE\s*\("), "LOAD_FILE() reads the server's files"),
    (re.compile(r"\bINTO\s+(OUT|DUMP)FILE\b"), "SELECT … INTO OUTFILE writes files on the server"),
    (re.compile(r"\bSET\s+(@@)?GLOBAL\b|@@GLOBAL\."), "server-wide settings belong to the platform"),
    (re.compile(r"\b(INSTALL|UNINSTALL)\s+(PLUGIN|SONAME)\b"), "plugins change the server itself"),
    (re.compile(r"\bSHUTDOWN\b"), "the platform stops the server"),
    (re.compile(r"\b(CREATE|ALTER|DROP|RENAME)\s+USER\b|\bGRANT\b|\bREVOKE\b"), "accounts belong to the platform"),
    (re.compile(r"\bSET\s+PASSWORD\b"), "accounts belong to the platform"),
    (re.compile(r"\bKILL\b"), "sessions belong to the platform"),
]
FORBIDDEN_HINT = "Solve the lab with ordinary SQL on the lab's tables."


# Operations labs (replication, Galera) let the learner manage accounts and replication: the
# learner account's narrow grants (REPLICATION SLAVE ADMIN, CREATE USER) are the barrier there.
_OPERATIONS_ALLOWED = ("server-wide settings belong to the platform", "accounts belong to the platform")


def find_forbidden(statements: list[Statement], operations: bool = False) -> str | None:
    patterns = [(p, why) for p, why in _FORBIDDEN if not (operations and why in _OPERATIONS_ALLOWED)]
    for statement in statements:
        for pattern, why in patterns:
            if pattern.search(statement.code):
                return (
                    f"Statement {statement.index} ({statement.short(60)}) is not allowed in the sandbox: {why}. "
                    + FORBIDDEN_HINT
                )
    return None


# Server error numbers that are the learner's doing, with what to try.
ERROR_HINTS = {
    1064: "Check the syntax near the quoted text; MariaDB's SQL differs from PostgreSQL's in places.",
    1054: "Check the column name against the table (DESCRIBE table_name).",
    1146: "Check the table name; the lab's tables are listed in the README.",
    1142: "The learner account may read and change the lab's tables only.",
    1044: "The learner account may use the lab's database only.",
    1227: "That needs a privilege the learner account does not have (SUPER, PROCESS, FILE).",
    1045: "That needs a privilege the learner account does not have.",
    1062: "A unique index refused a duplicate value.",
    1205: "A lock wait timed out: another session held the row or gap you needed.",
    1213: "InnoDB found a deadlock and rolled your transaction back.",
    1969: "The statement ran past the time limit (max_statement_time) and was stopped.",
    3024: "The statement ran past the time limit and was stopped.",
    4029: "The session used more memory than the sandbox allows (max_session_mem_used).",
    1148: "LOAD DATA LOCAL is disabled in the sandbox.",
    1290: "The server runs with --secure-file-priv: no file can be read or written.",
    1091: "The index or column you drop does not exist.",
    1061: "An index of that name already exists: pick another name.",
}


def describe_error(exc: BaseException) -> tuple[int, str, str]:
    """(error number, message, hint) of a driver exception."""
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        number, message = args[0], str(args[1])
    else:
        number, message = 0, str(exc)
    return number, message, ERROR_HINTS.get(number, "")
