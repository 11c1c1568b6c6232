"""What every playground engine shares: the dataset description, the outcome of a run, and
the bounds every result passes through before anything formats it."""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from labs.checks.output_bounds import clip_text

ENGINES = ("postgres", "redis", "mongo", "mariadb")
MAX_ROWS = int(os.environ.get("INDEXED_PLAYGROUND_MAX_ROWS", "200"))  # rows shown per result
MAX_CELL_CHARS = 200  # characters shown per cell
MAX_TEXT_BYTES = 50_000  # the longest query text accepted
STATEMENT_TIMEOUT_S = float(os.environ.get("INDEXED_PLAYGROUND_TIMEOUT_S", "5"))
SAMPLE_ROWS = 3  # sample rows per table in the schema view
MAX_SCHEMA_TABLES = 40


class PlaygroundError(RuntimeError):
    """The platform could not serve a playground request (never the learner's mistake)."""


class RateLimited(PlaygroundError):
    """The learner sent more runs in the last minute than the limit allows."""

    def __init__(self, count: int, limit: int, retry_after: int):
        super().__init__(f"{count} runs in the last minute, the limit is {limit}; retry in {retry_after} s")
        self.count, self.limit, self.retry_after = count, limit, retry_after


@dataclass(frozen=True)
class Dataset:
    """What a scratch area starts from: ``scripts`` run in order as the data's owner.

    For a lab it is the lab's seed (setup.sql, seed.redis, seed.json) and never its hidden
    data; for a lesson, the runnable blocks before the one being tried."""

    engine: str
    scripts: tuple[str, ...]
    label: str = ""
    # "lab": a seed the platform loads as the grader does (an error is the lab's bug);
    # "lesson": blocks a reader runs, with a reader's rights, skipping any that fail
    kind: str = "lab"

    @property
    def key(self) -> str:
        digest = hashlib.sha256(f"{self.engine}:{self.kind}".encode())
        for script in self.scripts:
            digest.update(b"\0" + script.encode())
        return digest.hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "scripts": list(self.scripts), "label": self.label, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dataset:
        engine = str(data.get("engine", ""))
        if engine not in ENGINES:
            raise PlaygroundError(f"unknown playground engine {engine!r}")
        return cls(
            engine=engine, scripts=tuple(str(s) for s in data.get("scripts", ())), label=str(data.get("label", ""))
        )


@dataclass
class Outcome:
    """One run: the last result set (bounded), what each statement did, the first error."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False
    statements: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    plan: str | None = None
    elapsed_ms: float = 0.0
    notice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "truncated": self.truncated,
            "statements": self.statements,
            "error": self.error,
            "plan": self.plan,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "notice": self.notice,
        }


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def ms(self) -> float:
        return (time.perf_counter() - self.start) * 1000


def cell(value: Any) -> Any:
    """A JSON-safe, bounded rendering of one value (None stays None: the page shows NULL)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return (
            value
            if value.bit_length() < 53
            else clip_text(str(value), MAX_CELL_CHARS)
            if value.bit_length() < 4000
            else f"<a number of {value.bit_length()} bits>"
        )
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value[: MAX_CELL_CHARS // 2 + 1])
        return clip_text("\\x" + data.hex(), MAX_CELL_CHARS)
    if isinstance(value, str):
        return clip_text(value, MAX_CELL_CHARS)
    if isinstance(value, (list, tuple, dict)):
        from labs.checks.output_bounds import clip

        return clip_text(repr(clip(value, depth=3, items=20, chars=60)), MAX_CELL_CHARS)
    return clip_text(str(value), MAX_CELL_CHARS)


def line_of(script: str, offset: int) -> int:
    """1-based line of character ``offset`` in ``script``."""
    return script.count("\n", 0, max(0, offset)) + 1


def locate(script: str, pieces: list[str]) -> list[int]:
    """Character offset of each piece (statements, in order) within ``script``."""
    offsets, position = [], 0
    for piece in pieces:
        found = script.find(piece, position)
        if found < 0:
            stripped = piece.strip()
            found = script.find(stripped, position) if stripped else -1
        if found < 0:
            found = position
        offsets.append(found)
        position = found + len(piece) if found >= position else position
    return offsets


_SAFE_NAME = re.compile(r"^[a-z0-9]{8,40}$")


def check_session_id(session_id: str) -> str:
    """Session ids become database and role names: lower-case hex or letters and digits only."""
    if not _SAFE_NAME.match(session_id or ""):
        raise PlaygroundError("a playground session id is 8 to 40 lower-case letters or digits")
    return session_id
