"""A lab's ``scenario.sql`` and shard count, read without starting anything: pure parsing, so the
runbook parser (``labs.runbook``) and the site can check a runbook against the lab's marks.

``scenario.sql`` is plain SQL run statement by statement on the primary after the base
backup, each statement in its own transaction, plus two directives on their own lines::

    -- @mark drop        the next statement runs in one transaction whose start time, WAL
                         position and transaction id are recorded as @drop.time/.lsn/.xid
    -- @sleep 0.2        wait (at most 2 s) so two moments get distinct timestamps
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labs.spec import LabSpec

DEFAULT_SHARDS = 3
MAX_SHARDS = 8
MAX_SCENARIO_SLEEP = 2.0

# -- scenario.sql --------------------------------------------------------------------------------

DIRECTIVE = re.compile(r"^\s*--\s*@(\w+)\b\s*(.*?)\s*$")


@dataclass
class ScenarioItem:
    sql: str = ""
    mark: str | None = None
    sleep: float = 0.0
    line: int = 0


def split_statements(text: str) -> list[str]:
    """Split SQL into statements at top-level semicolons, respecting quotes, dollar quotes and
    comments (a simple-protocol batch would run as one transaction, which would blur marks)."""
    statements, start, index, length = [], 0, 0, len(text)
    while index < length:
        char = text[index]
        if char == "-" and text.startswith("--", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif char == "/" and text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = length if end < 0 else end + 2
            continue
        elif char in ("'", '"'):
            escaped = char == "'" and index > 0 and text[index - 1] in "eE"
            index += 1
            while index < length:
                if escaped and text[index] == "\\":
                    index += 2
                    continue
                if text[index] == char:
                    if text.startswith(char * 2, index):
                        index += 2
                        continue
                    break
                index += 1
        elif char == "$":
            match = re.match(r"\$[A-Za-z_]*\$", text[index:])
            if match:
                end = text.find(match.group(0), index + len(match.group(0)))
                index = length if end < 0 else end + len(match.group(0))
                continue
        elif char == ";":
            statements.append(text[start:index])
            start = index + 1
        index += 1
    statements.append(text[start:])
    return [s.strip() for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.DOTALL)
    return bool(without_comments.strip())


def parse_scenario(text: str) -> list[ScenarioItem]:
    """Statements and directives of scenario.sql, in order; a mark attaches to the next statement."""
    items: list[ScenarioItem] = []
    pending_mark: tuple[str, int] | None = None
    chunk: list[str] = []
    chunk_line = 1

    def flush() -> None:
        nonlocal pending_mark
        for statement in split_statements("\n".join(chunk)):
            mark = pending_mark[0] if pending_mark else None
            items.append(ScenarioItem(sql=statement, mark=mark, line=chunk_line))
            pending_mark = None
        chunk.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        match = DIRECTIVE.match(line)
        if not match:
            if not chunk:
                chunk_line = number
            chunk.append(line)
            continue
        flush()
        name, argument = match.group(1), match.group(2)
        if name == "mark":
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", argument):
                raise ValueError(f"scenario.sql line {number}: @mark needs a name in lower case, got {argument!r}")
            if pending_mark:
                raise ValueError(
                    f"scenario.sql line {number}: @mark {argument} follows @mark {pending_mark[0]} "
                    "with no statement between them"
                )
            pending_mark = (argument, number)
        elif name == "sleep":
            try:
                seconds = float(argument)
            except ValueError:
                seconds = -1
            if not 0 <= seconds <= MAX_SCENARIO_SLEEP:
                raise ValueError(f"scenario.sql line {number}: @sleep takes 0 to {MAX_SCENARIO_SLEEP:g} seconds")
            items.append(ScenarioItem(sleep=seconds, line=number))
        else:
            raise ValueError(f"scenario.sql line {number}: unknown directive @{name}; known: @mark, @sleep")
    flush()
    if pending_mark:
        raise ValueError(f"scenario.sql line {pending_mark[1]}: @mark {pending_mark[0]} has no statement after it")
    names = [item.mark for item in items if item.mark]
    if len(names) != len(set(names)):
        raise ValueError("scenario.sql: a mark name is used twice")
    return items


# -- what a lab declares ----------------------------------------------------------------------------


class LabConfigError(ValueError):
    """The lab itself is wrong (its scenario.sql or its shard count): the author's fault, never the
    learner's. The engine turns it into a SandboxError (a platform error) when it grades."""


def lab_scenario_marks(spec: LabSpec) -> set[str]:
    """The mark names a lab's scenario records (runbooks may refer to these only)."""
    try:
        return {item.mark for item in parse_scenario(spec.read("scenario.sql") or "") if item.mark}
    except ValueError as exc:
        raise LabConfigError(f"lab {spec.id}: {exc}") from None


def lab_shard_count(spec: LabSpec) -> int:
    """The number of shard servers a ``shards`` lab asks for (``engine_options.shards``)."""
    value = spec.engine_options.get("shards", DEFAULT_SHARDS)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SHARDS:
        raise LabConfigError(f"lab {spec.id}: engine_options.shards must be a whole number from 1 to {MAX_SHARDS}")
    return value
