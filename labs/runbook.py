"""Runbooks: the answer format of operational labs (``answer_format = "runbook"``).

A runbook is what a learner would type during an incident, reduced to a small, validated
vocabulary: one step per line, ``#`` starts a comment, blank lines are ignored. Every step
maps to code the platform controls (labs.engines.postgres: archive, standby, shards); nothing
a learner writes ever reaches a shell, and the only values that reach SQL are validated literals and identifiers.

The vocabulary depends on the lab's topology.

archive — point-in-time recovery from a base backup and a WAL archive::

    restore_base_backup                      copy last night's base backup into a new data directory
    set recovery_target_time  <timestamp>    '2026-03-01 14:02:17+00', or @mark.time, @mark.time - 2s
    set recovery_target_xid   <xid>          1234, or @mark.xid
    set recovery_target_lsn   <lsn>          '0/3000060', or @mark.lsn
    set recovery_target_name  '<name>'       a restore point made with pg_create_restore_point()
    set recovery_target       immediate      stop as soon as the backup is consistent
    set recovery_target_inclusive true|false stop just after (true, the default) or just before the target
    set recovery_target_action promote|pause what the server does on reaching the target (default pause)
    set recovery_target_timeline latest|current|<n>
    start                                    start the restored server and wait until recovery stops
    promote                                  end recovery: the server opens for writes on a new timeline

standby — a streaming replica::

    create_replication_slot <slot>           a physical slot on the primary
    take_base_backup [slot=<slot>]           pg_basebackup -R (standby.signal, primary_conninfo)
    set primary_slot_name '<slot>'
    set hot_standby on|off
    set hot_standby_feedback on|off
    set recovery_min_apply_delay '<n>ms|s|min'
    set wal_receiver_status_interval '<n>s'
    start_standby                            start the standby and wait until it is consistent
    wait_for_catchup [timeout=<seconds>]     wait until the standby has replayed the primary's WAL
    promote                                  turn the standby into a primary (failover)

shards — one coordinator and N shard servers joined with postgres_fdw (servers shard1..shardN)::

    create_sharded_table <table> by hash(<column>)|range(<column>)
                                             the existing table becomes <table>_local; <table> is
                                             re-created empty, partitioned by <column>
    attach_shard <table> shard=<n> modulus=<m> remainder=<r>      a hash partition living on shard n
    attach_shard <table> shard=<n> from=<value> to=<value>        a range partition (minvalue/maxvalue ok)
    copy_rows <table>                        INSERT INTO <table> SELECT * FROM <table>_local

Marks (``@drop.time``, ``@drop.xid``, ``@drop.lsn``) stand for the moments the lab's incident
log shows: the lab's scenario records them while it runs, so a runbook can name "just
before the DROP" without knowing the clock of the machine that grades it.

``parse_runbook`` reports every problem at once, with line numbers, so the site can refuse
an invalid runbook before queuing it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from labs.attempt import AnswerRejected
from labs.engines.postgres.scenario import lab_scenario_marks, lab_shard_count  # pure: reads lab files only

if TYPE_CHECKING:
    from labs.spec import LabSpec

# Limits are on the whole answer, never on one line: a learner's long comment or a long
# quoted value is fine, a runbook the size of a novel is not.
MAX_ANSWER_BYTES = 64 * 1024
MAX_STEPS = 200
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")
MARK_REF = re.compile(r"^@([a-z_][a-z0-9_]*)\.(time|xid|lsn)(?:\s*([+-])\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|min))?$")
DURATION = re.compile(r"^([0-9]{1,9})\s*(ms|s|min)?$")
MAX_MARK_OFFSET = 24 * 3600  # seconds a mark reference may be moved by (@drop.time - 2s)
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


@dataclass
class _Parser:
    topology: str
    marks: frozenset[str] | None
    shards: int | None
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    def fail(self, line: int | None, text: str) -> None:
        self.problems.append((line, text))

    # -- values ---------------------------------------------------------------------------

    def value_text(self, token: str) -> str:
        """A token without its SQL-style single quotes ('it''s' -> it's)."""
        if len(token) >= 2 and token[0] == "'" and token[-1] == "'":
            return token[1:-1].replace("''", "'")
        return token

    def mark_ref(self, line: int, text: str, wanted: str) -> MarkRef | None:
        match = MARK_REF.match(text)
        if not match:
            self.fail(line, f"{text!r} is not a mark reference; write @name.{wanted}, e.g. @drop.{wanted}")
            return None
        name, kind, sign, amount, unit = match.groups()
        if kind != wanted:
            self.fail(line, f"{text!r} gives a {kind} where this setting needs a {wanted}: use @{name}.{wanted}")
            return None
        if amount and kind != "time":
            self.fail(line, f"{text!r}: only times take an offset (@{name}.time - 2s)")
            return None
        if self.marks is not None and name not in self.marks:
            known = ", ".join(sorted(self.marks)) or "none"
            self.fail(line, f"unknown mark @{name}{self._suggest(name, self.marks)}; this lab's marks: {known}")
            return None
        offset = 0.0
        if amount:
            offset = float(amount) * {"ms": 0.001, "s": 1.0, "min": 60.0}[unit] * (-1 if sign == "-" else 1)
            # A mark is minutes old; a bigger offset is a typo, and a huge one would overflow the
            # timestamp arithmetic when the step runs (a platform fault instead of this line's error).
            if not abs(offset) <= MAX_MARK_OFFSET:
                self.fail(
                    line,
                    f"{text!r}: the offset is out of range; a mark can be moved by at most "
                    f"{MAX_MARK_OFFSET // 3600:g} hours (the scenario's marks are seconds apart): "
                    f"write e.g. @{name}.time - 2s",
                )
                return None
        return MarkRef(mark=name, field=kind, offset_seconds=offset)

    def setting_value(self, line: int, param: str, raw: str) -> Any:
        text = self.value_text(raw)
        low = text.lower()
        if param == "recovery_target_time":
            if text.startswith("@"):
                return self.mark_ref(line, text, "time")
            try:
                datetime.fromisoformat(text)
            except ValueError:
                self.fail(
                    line,
                    f"recovery_target_time {raw} is not a timestamp; write '2026-03-01 14:02:17+00' "
                    "or a mark such as @drop.time",
                )
                return None
            return text
        if param == "recovery_target_xid":
            if text.startswith("@"):
                return self.mark_ref(line, text, "xid")
            if not _is_whole(text, 20) or not 3 <= int(text) < 2**63:
                self.fail(
                    line,
                    f"recovery_target_xid {raw} is not a transaction id (a whole number such as 745) "
                    "or a mark such as @drop.xid",
                )
                return None
            return int(text)
        if param == "recovery_target_lsn":
            if text.startswith("@"):
                return self.mark_ref(line, text, "lsn")
            if not LSN.match(text):
                self.fail(
                    line,
                    f"recovery_target_lsn {raw} is not an LSN; write it as '0/3000060' "
                    "(two hexadecimal halves) or a mark such as @drop.lsn",
                )
                return None
            return text.upper()
        if param in ("recovery_target_name", "primary_slot_name"):
            limit = 63
            if param == "primary_slot_name" and not IDENTIFIER.match(text):
                self.fail(line, f"{param} {raw}: slot names use lower-case letters, digits and '_'")
                return None
            # No control characters or backslashes: the value is written into postgresql.auto.conf.
            if not text or len(text) > limit or any(ord(c) < 32 or c == "\\" for c in text):
                self.fail(line, f"{param} {raw}: a name of 1 to {limit} printable characters (no \\) is expected")
                return None
            return text
        if param == "recovery_target":
            if low != "immediate":
                self.fail(line, f"recovery_target only accepts 'immediate', got {raw}")
                return None
            return "immediate"
        if param in ("recovery_target_inclusive", "hot_standby", "hot_standby_feedback"):
            if low not in BOOLEANS:
                self.fail(line, f"{param} takes on/off or true/false, got {raw}")
                return None
            return BOOLEANS[low]
        if param == "recovery_target_action":
            if low == "shutdown":
                self.fail(
                    line,
                    "recovery_target_action shutdown stops the server, and this lab grades a running "
                    "one: use promote or pause",
                )
                return None
            if low not in ("promote", "pause"):
                self.fail(line, f"recovery_target_action takes promote or pause, got {raw}")
                return None
            return low
        if param == "recovery_target_timeline":
            if low in ("latest", "current"):
                return low
            if not _is_whole(text, 10) or not 1 <= int(text) < 2**32:  # a timeline id is 32 bits
                self.fail(line, f"recovery_target_timeline takes latest, current or a timeline number, got {raw}")
                return None
            return int(text)
        if param in ("recovery_min_apply_delay", "wal_receiver_status_interval"):
            match = DURATION.match(text)
            if not match:
                self.fail(line, f"{param} takes a duration such as '500ms', '2s' or '1min', got {raw}")
                return None
            amount, unit = int(match.group(1)), match.group(2) or "ms"
            seconds = amount * {"ms": 0.001, "s": 1.0, "min": 60.0}[unit]
            if seconds > 3600:
                self.fail(line, f"{param} {raw} is longer than an hour")
                return None
            return f"{amount}{unit}"
        raise AssertionError(param)  # every known setting is handled above

    def identifier(self, line: int, text: str, what: str) -> str | None:
        if not IDENTIFIER.match(text):
            self.fail(
                line,
                f"{what} {text!r} is not a plain name: use lower-case letters, digits and '_', starting with a letter",
            )
            return None
        return text

    def keywords(self, line: int, tokens: list[str], allowed: tuple[str, ...], step: str) -> dict[str, str] | None:
        values: dict[str, str] = {}
        ok = True
        for token in tokens:
            key, sep, value = token.partition("=")
            if not sep or not value:
                self.fail(line, f"{step}: expected key=value ({', '.join(k + '=…' for k in allowed)}), got {token!r}")
                ok = False
            elif key not in allowed:
                self.fail(
                    line, f"{step}: unknown option {key!r}{self._suggest(key, allowed)}; options: {', '.join(allowed)}"
                )
                ok = False
            elif key in values:
                self.fail(line, f"{step}: {key}= is given twice")
                ok = False
            else:
                values[key] = value
        return values if ok else None

    def _suggest(self, word: str, choices: Any) -> str:
        close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
        return f" — did you mean {close[0]!r}?" if close else ""

    # -- lines ----------------------------------------------------------------------------

    def parse_line(self, line: int, text: str) -> Step | None:
        tokens = TOKEN.findall(text)
        if text.count("'") % 2:
            self.fail(line, "unterminated quote: close the value with '")
            return None
        name, rest = tokens[0].lower(), tokens[1:]
        if name not in STEPS[self.topology]:
            self.fail(line, self._unknown_step(name))
            return None
        method = getattr(self, f"step_{name}")
        args = method(line, rest)
        if args is None:
            return None
        return Step(line=line, name=name, args=args, text=" ".join(text.split()))

    def _unknown_step(self, name: str) -> str:
        for other, steps in STEPS.items():
            if other != self.topology and name in steps:
                return (
                    f"{name!r} is a step of {TOPOLOGY_LABELS[other]} labs; the steps of this "
                    f"{TOPOLOGY_LABELS[self.topology]} lab are {', '.join(STEPS[self.topology])}"
                )
        suggestion = self._suggest(name, STEPS[self.topology])
        if suggestion:
            return f"unknown step {name!r}{suggestion}"
        return f"unknown step {name!r}; steps of this lab: {', '.join(STEPS[self.topology])}"

    def no_arguments(self, line: int, rest: list[str], step: str) -> dict | None:
        if rest:
            self.fail(line, f"{step} takes no arguments, got {' '.join(rest)!r}")
            return None
        return {}

    def step_restore_base_backup(self, line: int, rest: list[str]) -> dict | None:
        return self.no_arguments(line, rest, "restore_base_backup")

    def step_start(self, line: int, rest: list[str]) -> dict | None:
        return self.no_arguments(line, rest, "start")

    def step_start_standby(self, line: int, rest: list[str]) -> dict | None:
        return self.no_arguments(line, rest, "start_standby")

    def step_promote(self, line: int, rest: list[str]) -> dict | None:
        return self.no_arguments(line, rest, "promote")

    def step_set(self, line: int, rest: list[str]) -> dict | None:
        known = SETTINGS[self.topology]
        if not rest:
            self.fail(line, f"set needs a setting and a value, e.g. set {known[0]} …")
            return None
        param = rest[0].lower()
        if "=" in param:  # accept the postgresql.conf spelling: set name = value / set name=value
            param, _, first = param.partition("=")
            rest = [param] + ([first] if first else []) + rest[1:]
        if len(rest) > 1 and rest[1] == "=":
            rest = [rest[0]] + rest[2:]
        if param not in known:
            for other, settings in SETTINGS.items():
                if other != self.topology and param in settings:
                    self.fail(
                        line,
                        f"{param} is not used in {TOPOLOGY_LABELS[self.topology]} labs; "
                        f"settings here: {', '.join(known)}",
                    )
                    return None
            self.fail(
                line, f"unknown setting {param!r}{self._suggest(param, known)}; settings here: {', '.join(known)}"
            )
            return None
        values = rest[1:]
        if not values:
            self.fail(line, f"set {param} needs a value")
            return None
        raw = " ".join(values)  # '@drop.time - 2s' arrives as several tokens
        value = self.setting_value(line, param, raw)
        if value is None:
            return None
        return {"param": param, "value": value}

    def step_create_replication_slot(self, line: int, rest: list[str]) -> dict | None:
        if len(rest) != 1:
            self.fail(line, "create_replication_slot takes one slot name, e.g. create_replication_slot standby1")
            return None
        slot = self.identifier(line, self.value_text(rest[0]), "slot name")
        return {"slot": slot} if slot else None

    def step_take_base_backup(self, line: int, rest: list[str]) -> dict | None:
        options = self.keywords(line, rest, ("slot",), "take_base_backup")
        if options is None:
            return None
        args: dict[str, Any] = {}
        if "slot" in options:
            slot = self.identifier(line, self.value_text(options["slot"]), "slot name")
            if slot is None:
                return None
            args["slot"] = slot
        return args

    def step_wait_for_catchup(self, line: int, rest: list[str]) -> dict | None:
        options = self.keywords(line, rest, ("timeout",), "wait_for_catchup")
        if options is None:
            return None
        args: dict[str, Any] = {}
        if "timeout" in options:
            text = options["timeout"].removesuffix("s")
            try:
                timeout = float(text)
            except ValueError:
                timeout = -1.0
            # No cap here: the lab's time limit bounds the wait when the step runs (labs.engines.postgres).
            if not (0 < timeout < float("inf")):
                self.fail(
                    line, f"wait_for_catchup timeout= takes a number of seconds above 0, got {options['timeout']!r}"
                )
                return None
            args["timeout"] = timeout
        return args

    def step_create_sharded_table(self, line: int, rest: list[str]) -> dict | None:
        usage = "write create_sharded_table orders by hash(customer_id)  (or by range(created_on))"
        joined = " ".join(rest)
        match = re.match(r"^(\S+)\s+by\s+(\w+)\s*\(\s*([^()\s]+)\s*\)$", joined, re.IGNORECASE)
        if not match:
            self.fail(line, f"create_sharded_table {joined!r}: {usage}")
            return None
        table, method, column = match.group(1), match.group(2).lower(), match.group(3)
        if method not in ("hash", "range"):
            self.fail(
                line,
                f"create_sharded_table: partition method {method!r} is not hash or range"
                f"{self._suggest(method, ('hash', 'range'))}",
            )
            return None
        table = self.identifier(line, table, "table")
        column = self.identifier(line, column, "column")
        if table is None or column is None:
            return None
        return {"table": table, "method": method, "column": column}

    def step_attach_shard(self, line: int, rest: list[str]) -> dict | None:
        if not rest:
            self.fail(
                line,
                "attach_shard needs a table and its partition: attach_shard orders shard=1 modulus=3 "
                "remainder=0  (or from=… to=… for range)",
            )
            return None
        table = self.identifier(line, rest[0], "table")
        options = self.keywords(line, rest[1:], ("shard", "modulus", "remainder", "from", "to"), "attach_shard")
        if table is None or options is None:
            return None
        if "shard" not in options:
            self.fail(line, "attach_shard needs shard=<n>: the shard server that will hold this partition")
            return None
        shard = self._whole(line, options["shard"], "shard", minimum=1)
        if shard is None:
            return None
        if self.shards is not None and shard > self.shards:
            self.fail(line, f"shard={shard}: this lab has {self.shards} shards, numbered 1 to {self.shards}")
            return None
        args: dict[str, Any] = {"table": table, "shard": shard}
        hash_keys, range_keys = {"modulus", "remainder"} & options.keys(), {"from", "to"} & options.keys()
        if hash_keys and range_keys:
            self.fail(line, "attach_shard mixes hash (modulus/remainder) and range (from/to) bounds; pick one")
            return None
        if hash_keys:
            if hash_keys != {"modulus", "remainder"}:
                self.fail(line, "a hash partition needs both modulus=<m> and remainder=<r>")
                return None
            modulus = self._whole(line, options["modulus"], "modulus", minimum=1)
            remainder = self._whole(line, options["remainder"], "remainder", minimum=0)
            if modulus is None or remainder is None:
                return None
            if remainder >= modulus:
                self.fail(line, f"remainder={remainder} must be smaller than modulus={modulus}")
                return None
            args.update(method="hash", modulus=modulus, remainder=remainder)
        elif range_keys:
            if range_keys != {"from", "to"}:
                self.fail(line, "a range partition needs both from=<value> and to=<value> (to is exclusive)")
                return None
            low, high = self._bound(line, options["from"]), self._bound(line, options["to"])
            if low is None or high is None:
                return None
            if isinstance(low, int) and isinstance(high, int) and low >= high:
                self.fail(line, f"from={low} must be below to={high}: the range [from, to) would be empty")
                return None
            args.update(method="range", low=low, high=high)
        else:
            self.fail(line, "attach_shard needs bounds: modulus=<m> remainder=<r> for hash, from=<v> to=<v> for range")
            return None
        return args

    def step_copy_rows(self, line: int, rest: list[str]) -> dict | None:
        if len(rest) != 1:
            self.fail(line, "copy_rows takes one table name, e.g. copy_rows orders")
            return None
        table = self.identifier(line, rest[0], "table")
        return {"table": table} if table else None

    def _whole(self, line: int, text: str, what: str, minimum: int) -> int | None:
        if not _is_whole(text, 9) or int(text) < minimum:  # partition numbers are Postgres int4
            self.fail(line, f"{what}={text!r} must be a whole number from {minimum} to 999999999")
            return None
        return int(text)

    def _bound(self, line: int, text: str) -> int | str | None:
        """A range bound: a whole number, a quoted string, or minvalue/maxvalue."""
        low = text.lower()
        if low in ("minvalue", "maxvalue"):
            return low.upper()
        if re.fullmatch(r"-?[0-9]{1,18}", text):  # fits a bigint, and int() never sees thousands of digits
            return int(text)
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            return self.value_text(text)
        self.fail(line, f"range bound {text!r}: write a number, a quoted value ('2026-01-01') or minvalue/maxvalue")
        return None

    # -- the runbook as a whole -----------------------------------------------------------

    def check_order(self, steps: list[Step], last_line: int) -> None:
        getattr(self, f"order_{self.topology}")(steps, last_line)

    def _once(self, steps: list[Step], name: str) -> list[Step]:
        found = [s for s in steps if s.name == name]
        for extra in found[1:]:
            self.fail(extra.line, f"{name} appears again (first on line {found[0].line}); it can run only once")
        return found

    def _settings(self, steps: list[Step], before: Step | None, start_name: str) -> None:
        seen: dict[str, Step] = {}
        for step in steps:
            if step.name != "set":
                continue
            param = step.args["param"]
            if param in seen:
                self.fail(step.line, f"{param} is already set on line {seen[param].line}; keep one")
            seen[param] = step
            if before is not None and step.line > before.line:
                self.fail(
                    step.line,
                    f"set {param} comes after {start_name} (line {before.line}): the server reads "
                    f"its settings when it starts; move this line above {start_name}",
                )
        targets = sorted((seen[p] for p in RECOVERY_TARGETS if p in seen), key=lambda s: s.line)
        if len(targets) > 1:
            lines = ", ".join(f"{s.args['param']} (line {s.line})" for s in targets)
            self.fail(
                targets[1].line,
                f"more than one recovery target: {lines}. Postgres refuses to start with "
                "several; keep the one that stops just before the incident",
            )

    def order_archive(self, steps: list[Step], last_line: int) -> None:
        restores, starts = self._once(steps, "restore_base_backup"), self._once(steps, "start")
        self._once(steps, "promote")
        start = starts[0] if starts else None
        if not restores:
            self.fail(None, "the runbook never restores the base backup: begin with restore_base_backup")
        if start is None:
            self.fail(None, "the runbook never starts the restored server: add start after your settings")
        elif restores and restores[0].line > start.line:
            self.fail(restores[0].line, f"restore_base_backup must come before start (line {start.line})")
        self._settings(steps, start, "start")
        for step in steps:
            if step.name == "promote" and (start is None or step.line < start.line):
                self.fail(step.line, "promote needs a running server: put it after start")

    def order_standby(self, steps: list[Step], last_line: int) -> None:
        backups, starts = self._once(steps, "take_base_backup"), self._once(steps, "start_standby")
        self._once(steps, "promote")
        start = starts[0] if starts else None
        if not backups:
            self.fail(None, "the runbook never takes a base backup: a standby starts from take_base_backup")
        if start is None:
            self.fail(None, "the runbook never starts the standby: add start_standby")
        elif backups and backups[0].line > start.line:
            self.fail(backups[0].line, f"take_base_backup must come before start_standby (line {start.line})")
        self._settings(steps, start, "start_standby")
        created: dict[str, int] = {}
        for step in steps:
            if step.name == "create_replication_slot":
                slot = step.args["slot"]
                if slot in created:
                    self.fail(step.line, f"slot {slot} is already created on line {created[slot]}")
                created.setdefault(slot, step.line)
            slot = step.args.get("slot") if step.name == "take_base_backup" else None
            if step.name == "set" and step.args["param"] == "primary_slot_name":
                slot = step.args["value"]
            if slot is not None and slot not in created:
                self.fail(
                    step.line,
                    f"slot {slot} is used before it exists: add create_replication_slot {slot} above this line",
                )
            if step.name in ("wait_for_catchup", "promote") and (start is None or step.line < start.line):
                self.fail(step.line, f"{step.name} needs a running standby: put it after start_standby")

    def order_shards(self, steps: list[Step], last_line: int) -> None:
        tables: dict[str, Step] = {}
        remainders: dict[tuple[str, int, int], int] = {}
        copied: set[str] = set()
        attached: set[str] = set()
        for step in steps:
            table = step.args["table"]
            created = tables.get(table)
            if step.name == "create_sharded_table":
                if created:
                    self.fail(step.line, f"{table} is already sharded on line {created.line}")
                else:
                    tables[table] = step
                continue
            if created is None:
                self.fail(
                    step.line,
                    f"{step.name} {table}: shard the table first with create_sharded_table {table} by hash(<column>)",
                )
                continue
            if step.name == "copy_rows":
                if table not in attached:
                    self.fail(
                        step.line,
                        f"copy_rows {table}: no shard is attached yet, so the rows would have "
                        "nowhere to go; attach_shard first",
                    )
                if table in copied:
                    self.fail(step.line, f"copy_rows {table} runs twice: every row would be stored twice")
                copied.add(table)
                continue
            attached.add(table)
            if table in copied:
                self.fail(
                    step.line,
                    f"attach_shard after copy_rows {table}: the new shard would stay empty; "
                    "attach every shard before copying",
                )
            method = created.args["method"]
            if step.args["method"] != method:
                self.fail(
                    step.line,
                    f"{table} is partitioned by {method} (line {created.line}); "
                    f"this shard gives {step.args['method']} bounds",
                )
                continue
            if method == "hash":
                # Several partitions per shard and mixed moduli (3 and 6) are both legal layouts:
                # Postgres itself refuses moduli that do not divide each other or overlapping
                # remainders, with a message labs.engines.postgres.shards.explain_shard_error explains.
                key = (table, step.args["modulus"], step.args["remainder"])
                if key in remainders:
                    self.fail(
                        step.line,
                        f"modulus={key[1]} remainder={key[2]} of {table} is already attached on line {remainders[key]}",
                    )
                remainders.setdefault(key, step.line)
        if not tables:
            self.fail(None, "the runbook never shards a table: start with create_sharded_table <table> by hash(<col>)")
        for table in tables:
            if table not in copied:
                self.fail(None, f"the rows of {table} never reach the shards: end with copy_rows {table}")


def parse_runbook(
    text: str, topology: str, *, marks: set[str] | frozenset[str] | None = None, shards: int | None = None
) -> list[Step]:
    """Validate a runbook for ``topology`` (archive, standby or shards) and return its steps.

    ``marks`` (the names the lab's scenario records) and ``shards`` (how many shard servers
    the lab has) tighten the checks when the caller knows them; the site may omit both.
    Raises RunbookError listing every problem with its line number.
    """
    if topology not in STEPS:
        raise ValueError(f"no runbook vocabulary for topology {topology!r}; known: {', '.join(STEPS)}")
    parser = _Parser(topology=topology, marks=frozenset(marks) if marks is not None else None, shards=shards)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ANSWER_BYTES:
        raise RunbookError(
            [(None, f"the runbook is {size:,} bytes; a runbook may hold at most {MAX_ANSWER_BYTES // 1024} KiB")]
        )
    lines = text.splitlines()
    steps = []
    for number, raw in enumerate(lines, start=1):
        content = _strip_comment(raw).strip()
        if not content:
            continue
        if len(steps) >= MAX_STEPS:
            raise RunbookError([(number, f"a runbook may hold at most {MAX_STEPS} steps (comments do not count)")])
        step = parser.parse_line(number, content)
        if step is not None:
            steps.append(step)
    if not steps and not parser.problems:
        parser.fail(None, f"the runbook is empty; steps of this lab: {', '.join(STEPS[topology])}")
    elif steps:
        line_problems = list(parser.problems)
        parser.check_order(steps, len(lines))
        if line_problems:
            # A misspelt step would also be reported as "never restores ...": keep the line's own message.
            parser.problems = line_problems + [p for p in parser.problems[len(line_problems) :] if p[0] is not None]
    if parser.problems:
        raise RunbookError(parser.problems)
    return steps


def parse_lab_runbook(spec: LabSpec, text: str) -> list[Step]:
    """``parse_runbook`` with what the lab itself knows: the marks its scenario records and its
    number of shards. The one call the site needs to refuse an invalid runbook before queuing."""
    return parse_runbook(
        text,
        spec.topology,
        marks=lab_scenario_marks(spec) if spec.topology == "archive" else None,
        shards=lab_shard_count(spec) if spec.topology == "shards" else None,
    )


def _is_whole(text: str, max_digits: int) -> bool:
    """ASCII digits only (str.isdigit() also takes '²', which int() refuses) and not too many."""
    return text.isascii() and text.isdigit() and len(text) <= max_digits


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment unless the ``#`` sits inside a quoted value."""
    quoted = False
    for index, char in enumerate(line):
        if char == "'":
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index]
    return line


def vocabulary(topology: str) -> dict[str, tuple[str, ...]]:
    """The steps and settings of a topology, for editors and documentation pages."""
    return {"steps": STEPS[topology], "settings": SETTINGS[topology]}
