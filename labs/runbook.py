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
    set synchronous_standby_names '<list>'  on the primary: '*', 'standby1', 'FIRST 1 (a, b)', 'ANY 1 (a, b)'
    set synchronous_commit on|off|local|remote_write|remote_apply    on the primary
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

The vocabulary and the values a runbook parses into live in ``labs.runbook_vocabulary`` (and are
importable from here); the shards steps and their order in ``labs.runbook_shards``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from labs.engines.postgres.scenario import lab_scenario_marks, lab_shard_count  # pure: reads lab files only
from labs.runbook_shards import ShardSteps
from labs.runbook_vocabulary import (
    BOOLEANS,
    DURATION,
    IDENTIFIER,
    LSN,
    MARK_REF,
    MAX_ANSWER_BYTES,
    MAX_MARK_OFFSET,
    MAX_STEPS,
    RECOVERY_TARGETS,
    SETTINGS,
    STEPS,
    SYNC_NAMES,
    SYNCHRONOUS_COMMIT,
    TOKEN,
    TOPOLOGY_LABELS,
    MarkRef,
    RunbookError,
    Step,
    is_whole_number,
)

if TYPE_CHECKING:
    from labs.spec import LabSpec


@dataclass
class _Parser(ShardSteps):
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
            if not is_whole_number(text, 20) or not 3 <= int(text) < 2**63:
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
            if not is_whole_number(text, 10) or not 1 <= int(text) < 2**32:  # a timeline id is 32 bits
                self.fail(line, f"recovery_target_timeline takes latest, current or a timeline number, got {raw}")
                return None
            return int(text)
        if param == "synchronous_commit":
            if low not in SYNCHRONOUS_COMMIT:
                self.fail(line, f"synchronous_commit takes {', '.join(SYNCHRONOUS_COMMIT)}, got {raw}")
                return None
            return low
        if param == "synchronous_standby_names":
            if not SYNC_NAMES.match(text):
                self.fail(line, f"synchronous_standby_names {raw}: standby names, '*', FIRST n (...) or ANY n (...)")
                return None
            return text
        if param in ("recovery_min_apply_delay", "wal_receiver_status_interval"):
            match = DURATION.match(text)
            if not match:
                self.fail(line, f"{param} takes a duration such as '500ms', '2s', '1min' or '1h', got {raw}")
                return None
            amount, unit = int(match.group(1)), match.group(2) or "ms"
            seconds = amount * {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}[unit]
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
