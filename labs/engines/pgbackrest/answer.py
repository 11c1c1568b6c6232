"""The answer of a pgBackRest lab: what a DBA writes, a ``pgbackrest.conf`` and the commands.

::

    [global]
    repo1-retention-full=2
    start-fast=y

    [shop]

    pgbackrest --stanza=shop stanza-create
    pgbackrest --stanza=shop --type=full backup
    pgbackrest --stanza=shop --type=diff backup
    pgbackrest --stanza=shop --type=incr backup

``[section]`` lines and ``key=value`` lines are the configuration file; a line starting with
``pgbackrest`` (a ``$ `` prompt or ``sudo -u postgres`` in front is fine) is a command, run in
order. ``#`` and ``;`` start comment lines. The platform owns where things live (``pg1-path``,
``repo1-path``, sockets, locks, logs): a learner sets policy (retention, compression,
parallelism, checkpoints), never a path, and runs only the commands that take or manage
backups. Nothing reaches a shell: commands become argv lists of validated tokens.
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field

from labs.attempt import AnswerRejected

MAX_COMMANDS = 40
# Policy a learner may set, in the file or on a command line (pgBackRest 2.45 names).
LEARNER_OPTIONS = frozenset(
    {
        "repo1-retention-full", "repo1-retention-full-type", "repo1-retention-diff",
        "repo1-retention-archive", "repo1-retention-archive-type", "repo1-retention-history",
        "start-fast", "compress-type", "compress-level", "process-max", "archive-async",
        "archive-check", "archive-copy", "archive-timeout", "archive-push-queue-max", "delta",
        "log-level-console", "log-level-file", "log-level-stderr", "repo1-bundle",
        "repo1-bundle-size", "repo1-bundle-limit", "expire-auto", "checksum-page",
        "resume", "buffer-size", "io-timeout", "db-timeout", "protocol-timeout", "stop-auto",
        "repo1-hardlink", "manifest-save-threshold", "backup-standby", "annotation",
    }
)
# Command-line only options a learner may pass to the commands below.
COMMAND_OPTIONS = {"backup": {"type"}, "expire": {"set"}, "info": {"output", "set"}}
COMMANDS = ("stanza-create", "stanza-upgrade", "check", "backup", "expire", "info", "verify")
PLATFORM_COMMANDS = {
    "restore": "the platform restores by itself after your commands (to a time it chooses), so the answer "
    "takes backups and never restores",
    "stanza-delete": "deleting the stanza would throw away the repository the platform restores from",
    "stop": "stopping pgBackRest would make every later command fail",
    "start": "pgBackRest is never stopped here, so there is nothing to start",
    "archive-push": "PostgreSQL runs archive-push itself through archive_command",
    "archive-get": "PostgreSQL runs archive-get itself through restore_command",
}
PLATFORM_OPTION_PREFIXES = ("pg1-", "pg2-", "pg-", "repo1-path", "repo1-host", "repo1-type", "repo1-s3", "repo1-gcs",
                            "repo1-azure", "repo1-cipher", "repo2-", "repo-")
PLATFORM_OPTIONS = {"config", "config-path", "config-include-path", "lock-path", "log-path", "spool-path", "cmd-ssh",
                    "exec-id", "log-subprocess", "neutral-umask", "tls-server-address"}
VALUE = re.compile(r"^[A-Za-z0-9_.:/@ +-]{1,200}$")
SECTION = re.compile(r"^\[([a-z0-9_.:-]+)\]$")
OPTION = re.compile(r"^([a-z0-9-]+)\s*=\s*(.*)$")
PROMPT = re.compile(r"^(?:\$\s*)?(?:sudo\s+-u\s+\S+\s+)?(?:sudo\s+)?(?=pgbackrest(?:\s|$))")


@dataclass(frozen=True)
class Command:
    line: int
    name: str
    options: dict[str, str]  # without the leading --; "no-x" kept as given
    text: str

    def describe(self) -> str:
        return f"line {self.line} ({self.text})"

    def argv_options(self) -> list[str]:
        return [f"--{key}" if value == "" else f"--{key}={value}" for key, value in self.options.items()]


@dataclass
class Plan:
    """The configuration sections (name -> options) and the commands, in order."""

    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)

    def option(self, name: str, stanza: str) -> str | None:
        """The value the file gives ``name`` for ``stanza`` (stanza section first, as pgBackRest reads it)."""
        for section in (stanza, "global"):
            if name in self.sections.get(section, {}):
                return self.sections[section][name]
        return None


def _problem_for_option(name: str) -> str | None:
    bare = name.removeprefix("no-").removeprefix("reset-")
    if bare in LEARNER_OPTIONS:
        return None
    if bare in PLATFORM_OPTIONS or bare.startswith(PLATFORM_OPTION_PREFIXES):
        return (
            f"{bare} is set by the platform (the lab's server, repository, locks and logs live in its sandbox); "
            "leave paths and hosts out and set only policy: retention, compression, start-fast, process-max"
        )
    close = difflib.get_close_matches(bare, sorted(LEARNER_OPTIONS), n=1)
    suggestion = f" (did you mean {close[0]}?)" if close else ""
    return f"{bare} is not an option this lab lets you set{suggestion}; see the README's list"


def parse_answer(text: str, stanza: str) -> Plan:
    """Parse the whole answer; raise AnswerRejected listing every problem with its line."""
    plan, problems = Plan(), []
    section: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        command_text = PROMPT.sub("", line, count=1)
        if command_text.startswith("pgbackrest"):
            command, errors = _parse_command(number, command_text, stanza)
            problems += errors
            if command is not None:
                plan.commands.append(command)
            continue
        match = SECTION.match(line)
        if match:
            section = match.group(1)
            base = section.split(":", 1)[0]
            if base not in ("global", stanza):
                problems.append(
                    (number, f"[{section}]: this lab's stanza is {stanza}; sections are [global], [{stanza}] "
                             f"or a command section such as [global:backup]")
                )
            plan.sections.setdefault(section, {})
            continue
        match = OPTION.match(line)
        if match is None:
            problems.append(
                (number, f"{line[:60]!r} is neither a [section], a key=value option nor a pgbackrest command")
            )
            continue
        key, value = match.group(1), match.group(2).strip()
        if section is None:
            problems.append((number, f"{key} comes before any [section]; put options under [global] or [{stanza}]"))
            continue
        problem = _problem_for_option(key) or _value_problem(key, value)
        if problem:
            problems.append((number, problem))
            continue
        plan.sections[section][key] = value
    if not plan.commands:
        problems.append((None, f"no pgbackrest command: take the backups with pgbackrest --stanza={stanza} ... backup"))
    elif len(plan.commands) > MAX_COMMANDS:
        problems.append((None, f"{len(plan.commands)} commands; this lab needs a handful (at most {MAX_COMMANDS})"))
    if problems:
        problems.sort(key=lambda p: (p[0] is None, p[0] or 0))
        raise AnswerRejected("\n".join(f"line {n}: {t}" if n else f"end of answer: {t}" for n, t in problems))
    return plan


def _value_problem(key: str, value: str) -> str | None:
    if not VALUE.match(value):
        return f"{key}={value[:40]!r}: values are letters, digits and . : / @ + - (no quotes or shell characters)"
    return None


def _parse_command(number: int, text: str, stanza: str) -> tuple[Command | None, list[tuple[int, str]]]:
    problems: list[tuple[int, str]] = []
    try:
        words = shlex.split(text)
    except ValueError as exc:
        return None, [(number, f"cannot read the command: {exc}")]
    options: dict[str, str] = {}
    names: list[str] = []
    index = 1
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("--"):
            names.append(word)
            continue
        key, has_value, value = word[2:].partition("=")
        # pgBackRest also takes "--type full": a following word that is not a command is the value
        if not has_value and key in ("stanza", "type", "set", "output") and index < len(words):
            value, index = words[index], index + 1
        if key == "stanza":
            if value != stanza:
                problems.append(
                    (number, f"--stanza={value}: this lab's stanza is {stanza} (its archive_command uses it)")
                )
            continue
        options[key] = value
    if len(names) != 1:
        listed = ", ".join(names) or "none"
        problems.append((number, f"a pgbackrest line names one command ({', '.join(COMMANDS)}); found: {listed}"))
        return None, problems
    name = names[0]
    if name in PLATFORM_COMMANDS:
        problems.append((number, f"pgbackrest {name}: {PLATFORM_COMMANDS[name]}"))
        return None, problems
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append((number, f"pgbackrest {name}: not a command this lab runs{hint}; known: {', '.join(COMMANDS)}"))
        return None, problems
    for key, value in options.items():
        if key in COMMAND_OPTIONS.get(name, set()):
            if key == "type" and value not in ("full", "diff", "incr"):
                problems.append((number, f"--type={value}: a backup's type is full, diff or incr"))
            elif not VALUE.match(value or "x"):
                problems.append((number, f"--{key}={value[:40]!r}: not a value this lab accepts"))
            continue
        problem = _problem_for_option(key) or (_value_problem(key, value) if value else None)
        if problem:
            problems.append((number, f"--{problem}"))
    return Command(line=number, name=name, options=options, text=text), problems


def render_config(plan: Plan, stanza: str, platform_global: dict[str, str], platform_stanza: dict[str, str]) -> str:
    """pgbackrest.conf: the learner's sections with the platform's paths added (the platform's win)."""
    sections = {name: dict(options) for name, options in plan.sections.items()}
    sections.setdefault("global", {}).update(platform_global)
    sections.setdefault(stanza, {}).update(platform_stanza)
    lines = []
    for name, options in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key}={value}" for key, value in options.items()]
        lines.append("")
    return "\n".join(lines)
