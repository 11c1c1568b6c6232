"""The runbook vocabulary: the steps and settings each operational topology accepts, the
limits on an answer, and the values a parsed runbook is made of (``Step``, ``MarkRef``,
``RunbookError``). Pure data; the parser is ``labs.runbook``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labs.attempt import AnswerRejected

if TYPE_CHECKING:
    pass

# Limits are on the whole answer, never on one line: a learner's long comment or a long
# quoted value is fine, a runbook the size of a novel is not.
MAX_ANSWER_BYTES = 64 * 1024
MAX_STEPS = 200
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")
MARK_REF = re.compile(r"^@([a-z_][a-z0-9_]*)\.(time|xid|lsn)(?:\s*([+-])\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|min))?$")
DURATION = re.compile(r"^([0-9]{1,9})\s*(ms|s|min|h)?$")
MAX_MARK_OFFSET = 24 * 3600  # seconds a mark reference may be moved by (@drop.time - 2s)
SYNCHRONOUS_COMMIT = ("on", "off", "local", "remote_write", "remote_apply")
# synchronous_standby_names: names, '*', FIRST n (...), ANY n (...), "quoted names"; Postgres parses the rest
SYNC_NAMES = re.compile(r'^[A-Za-z0-9_*(),\s"-]{0,200}$')
BOOLEANS = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}
TOKEN = re.compile(r"(?:[^\s']+|'(?:[^']|'')*')+")

TOPOLOGY_LABELS = {"archive": "archive (point-in-time recovery)", "standby": "standby", "shards": "shards"}

STEPS: dict[str, tuple[str, ...]] = {
    "archive": ("restore_base_backup", "set", "start", "promote"),
    "standby": ("create_replication_slot", "take_base_backup", "set", "start_standby", "wait_for_catchup", "promote"),
    "shards": ("create_sharded_table", "attach_shard", "copy_rows"),
}
SETTINGS: dict[str, tuple[str, ...]] = {
    "archive": (
        "recovery_target_time",
        "recovery_target_xid",
        "recovery_target_lsn",
        "recovery_target_name",
        "recovery_target",
        "recovery_target_inclusive",
        "recovery_target_action",
        "recovery_target_timeline",
    ),
    "standby": (
        "primary_slot_name",
        "hot_standby",
        "hot_standby_feedback",
        "recovery_min_apply_delay",
        "wal_receiver_status_interval",
        # the primary's (applied with ALTER SYSTEM and a reload once the standby is up)
        "synchronous_standby_names",
        "synchronous_commit",
    ),
    "shards": (),
}
# Postgres refuses to start with more than one of these ("multiple recovery targets specified").
RECOVERY_TARGETS = (
    "recovery_target_time",
    "recovery_target_xid",
    "recovery_target_lsn",
    "recovery_target_name",
    "recovery_target",
)


class RunbookError(AnswerRejected):
    """Every problem of a runbook, each with its line number; ``str()`` lists them one a line."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        self.problems = sorted(problems, key=lambda p: (p[0] is None, p[0] or 0))
        super().__init__("\n".join(_format_problem(line, text) for line, text in self.problems))


def _format_problem(line: int | None, text: str) -> str:
    return f"line {line}: {text}" if line is not None else f"end of runbook: {text}"


@dataclass(frozen=True)
class MarkRef:
    """A value the lab's scenario records while it runs (``@drop.xid``), resolved at execution."""

    mark: str
    field: str  # time | xid | lsn
    offset_seconds: float = 0.0

    def __str__(self) -> str:
        if not self.offset_seconds:
            return f"@{self.mark}.{self.field}"
        sign = "+" if self.offset_seconds > 0 else "-"
        return f"@{self.mark}.{self.field} {sign} {abs(self.offset_seconds):g}s"


@dataclass(frozen=True)
class Step:
    line: int
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    def describe(self) -> str:
        """How messages quote the step: ``line 4 (start)``."""
        return f"line {self.line} ({self.text})"


def is_whole_number(text: str, max_digits: int) -> bool:
    """ASCII digits only (str.isdigit() also takes '²', which int() refuses) and not too many."""
    return text.isascii() and text.isdigit() and len(text) <= max_digits
