"""The learner's answer for a Patroni lab: a fragment of ``patroni.yml`` plus HAProxy's check
settings, validated against a closed list and merged over the platform's base config.

The answer is YAML, as a DBA writes Patroni's configuration::

    bootstrap:
      dcs:                        # or these keys at the top level, as `patronictl edit-config` shows them
        ttl: 10
        loop_wait: 2
        retry_timeout: 4
        maximum_lag_on_failover: 1048576
        synchronous_mode: true
        postgresql:
          use_pg_rewind: true
          parameters: {synchronous_commit: "on"}
    haproxy:
      check: /primary             # the Patroni REST endpoint HAProxy's health check asks
      inter: 1s
      fall: 2
      rise: 1
      on_marked_down: shutdown-sessions

Only settings that shape failover are accepted. Everything that would run a program (callbacks,
archive or restore commands, custom bootstrap or replica methods), move a member out of its box
(listen addresses, the DCS hosts, data directories) or is simply not part of this lab is refused
before anything starts, with a sentence naming the key, so a hostile or careless answer never
reaches a server. The answer's own errors are the learner's (AnswerRejected), never ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from labs.attempt import AnswerRejected

# name -> (low, high) for the integer DCS settings. Patroni 3.0 itself accepts any integer;
# these bounds only keep a drill finite and the leader lock meaningful (etcd refuses leases
# under 2 s).
DCS_INTEGERS: dict[str, tuple[int, int]] = {
    "ttl": (5, 3600),
    "loop_wait": (1, 600),
    "retry_timeout": (1, 600),
    "maximum_lag_on_failover": (0, 1 << 40),
    "maximum_lag_on_syncnode": (-1, 1 << 40),
    "synchronous_node_count": (1, 2),
    "primary_start_timeout": (0, 3600),
    "primary_stop_timeout": (0, 3600),
}
DCS_BOOLEANS = ("synchronous_mode", "synchronous_mode_strict", "check_timeline", "failsafe_mode")
RENAMED = {"master_start_timeout": "primary_start_timeout", "master_stop_timeout": "primary_stop_timeout"}
PG_BOOLEANS = ("use_pg_rewind", "use_slots")
# PostgreSQL parameters an answer may set through the DCS: the ones that decide what a commit
# waits for and whether an old primary can rejoin. Value -> allowed spellings (None: any of the type).
PG_PARAMETERS: dict[str, tuple[str, ...] | None] = {
    "synchronous_commit": ("on", "remote_apply", "remote_write", "local", "off"),
    "wal_log_hints": ("on", "off"),
    "hot_standby": ("on", "off"),
    "wal_keep_size": None,
    "max_wal_senders": None,
    "max_replication_slots": None,
    "wal_sender_timeout": None,
    "wal_receiver_status_interval": None,
}
HAPROXY_TIMES = ("inter", "fastinter", "downinter")
HAPROXY_COUNTS = ("fall", "rise")
# Patroni's REST endpoints (3.0) HAProxy can ask; any other path is refused as a typo.
REST_ENDPOINTS = (
    "/", "/primary", "/master", "/leader", "/read-write", "/standby-leader", "/replica", "/read-only",
    "/health", "/liveness", "/readiness", "/asynchronous", "/async", "/synchronous", "/sync",
)
# Keys that make a server run a program of the answer's choosing: refused with that reason.
RUNS_COMMANDS = {
    "callbacks", "archive_command", "restore_command", "archive_cleanup_command", "recovery_end_command",
    "archive_mode", "archive_library", "pre_promote", "before_stop", "on_role_change", "on_start", "on_stop",
    "on_restart", "on_reload", "post_bootstrap", "post_init", "method", "create_replica_methods",
    "shared_preload_libraries", "local_preload_libraries", "session_preload_libraries", "ssl_passphrase_command",
    "command", "basebackup", "recovery_conf", "standby_cluster", "external-check", "external_check",
}
# Keys that would move a member out of its box or change who it is: the platform owns them.
PLATFORM_OWNED = {
    "scope", "name", "namespace", "restapi", "ctl", "etcd", "etcd3", "consul", "zookeeper", "exhibitor",
    "kubernetes", "raft", "log", "watchdog", "tags", "listen", "connect_address", "proxy_address", "data_dir",
    "config_dir", "bin_dir", "pgpass", "authentication", "pg_hba", "pg_ident", "initdb", "users",
    "unix_socket_directories", "port", "listen_addresses", "bind", "server", "servers",
}
MAX_NESTING = 6


@dataclass
class FailoverConfig:
    """The validated answer: DCS settings for ``bootstrap.dcs`` and HAProxy's check settings."""

    dcs: dict[str, Any] = field(default_factory=dict)
    pg_parameters: dict[str, Any] = field(default_factory=dict)
    pg_flags: dict[str, bool] = field(default_factory=dict)
    check_path: str = "/primary"
    haproxy: dict[str, Any] = field(default_factory=dict)  # inter/fastinter/downinter (ms), fall, rise, ...

    def setting(self, name: str) -> Any:
        """The effective DCS value (the answer's, else Patroni's default), for checks and messages."""
        return self.dcs.get(name, PATRONI_DEFAULTS.get(name))


# Patroni 3.0's defaults for what an answer leaves out (patroni/config.py, __DEFAULT_CONFIG).
PATRONI_DEFAULTS: dict[str, Any] = {
    "ttl": 30, "loop_wait": 10, "retry_timeout": 10, "maximum_lag_on_failover": 1048576,
    "synchronous_mode": False, "synchronous_mode_strict": False, "synchronous_node_count": 1,
}
# HAProxy's own defaults for server checks (inter 2s, fall 3, rise 2).
HAPROXY_DEFAULTS: dict[str, Any] = {"inter": 2000, "fall": 3, "rise": 2}


def parse_answer(text: str) -> FailoverConfig:
    """Validate the learner's YAML; AnswerRejected with the first problem found (key and fix)."""
    data = _load_yaml(text)
    if data is None:
        raise AnswerRejected(_shape_hint("Your answer holds no settings."))
    if not isinstance(data, dict):
        raise AnswerRejected(_shape_hint(f"Your answer is a YAML {_kind(data)}; a mapping of settings was expected."))
    _refuse_dangerous(data, "")
    data = dict(data)
    haproxy = data.pop("haproxy", None)
    bootstrap = data.pop("bootstrap", None)
    if bootstrap is not None:
        if data:
            extra = ", ".join(sorted(map(str, data)))
            raise AnswerRejected(
                f"Your answer has `bootstrap` and also top-level {extra}. Put every DCS setting under "
                "`bootstrap: dcs:` (as in patroni.yml), or all of them at the top level (as `patronictl "
                "edit-config` shows them), not both."
            )
        if not isinstance(bootstrap, dict) or set(bootstrap) - {"dcs"}:
            keys = ", ".join(sorted(map(str, bootstrap))) if isinstance(bootstrap, dict) else _kind(bootstrap)
            raise AnswerRejected(
                f"`bootstrap` may only hold `dcs` in this lab; found {keys}. The platform bootstraps the "
                "members itself (initdb, users, pg_hba)."
            )
        dcs = bootstrap.get("dcs") or {}
        where = "bootstrap.dcs."
    else:
        dcs, where = data, ""
    if not isinstance(dcs, dict):
        label = where.rstrip(".") or "the answer"
        raise AnswerRejected(f"`{label}` must be a mapping of settings, got a {_kind(dcs)}.")
    config = FailoverConfig()
    _read_dcs(dcs, where, config)
    if haproxy is not None:
        _read_haproxy(haproxy, config)
    return config


def _load_yaml(text: str) -> Any:
    try:
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise AnswerRejected(f"Your answer is not valid YAML: {_yaml_problem(exc)}. Check the indentation there "
                             "(spaces, not tabs) and that every `key: value` has a space after the colon.") from None
    if any(isinstance(event, yaml.AliasEvent) for event in events):
        # An alias can expand a few lines into gigabytes ("billion laughs"); settings never need one.
        raise AnswerRejected("Your answer uses a YAML alias (`*name`); write each setting out instead.")
    if sum(isinstance(event, yaml.DocumentStartEvent) for event in events) > 1:
        raise AnswerRejected("Your answer holds several YAML documents (`---`); write one document of settings.")
    depth = deepest = 0
    for event in events:
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    if deepest > MAX_NESTING:
        raise AnswerRejected(f"Your answer nests {deepest} levels deep; the settings of this lab need at most 4.")
    return yaml.safe_load(text)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} on line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem


def _refuse_dangerous(node: Any, path: str) -> None:
    """Refuse, anywhere in the answer, a key that runs a program or that the platform owns."""
    if isinstance(node, dict):
        for key, value in node.items():
            name = str(key)
            where = f"{path}{name}"
            if name.lower() in RUNS_COMMANDS:
                raise AnswerRejected(
                    f"`{where}` makes a server run a program; this lab grades failover settings only and runs no "
                    "command from an answer. Remove it (callbacks, archive/restore commands and custom bootstrap "
                    "or replica methods are not part of this drill)."
                )
            if name.lower() in PLATFORM_OWNED:
                raise AnswerRejected(
                    f"`{where}` is set by the platform (addresses, ports, the DCS, data directories, users and "
                    "authentication belong to the sandbox); remove it and keep to the failover settings the "
                    "README lists."
                )
            _refuse_dangerous(value, f"{where}.")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _refuse_dangerous(item, f"{path.rstrip('.')}[{index}].")


def _read_dcs(dcs: dict, where: str, config: FailoverConfig) -> None:
    for key, value in dcs.items():
        name = RENAMED.get(str(key), str(key))
        label = f"{where}{key}"
        if name in DCS_INTEGERS:
            low, high = DCS_INTEGERS[name]
            config.dcs[name] = _integer(value, label, low, high)
        elif name in DCS_BOOLEANS:
            config.dcs[name] = _boolean(value, label)
        elif name == "postgresql":
            _read_postgresql(value, f"{label}.", config)
        else:
            known = ", ".join([*DCS_INTEGERS, *DCS_BOOLEANS, "postgresql"])
            raise AnswerRejected(
                f"`{label}` is not a setting this lab lets you change. DCS settings it accepts: {known}."
            )


def _read_postgresql(value: Any, where: str, config: FailoverConfig) -> None:
    if not isinstance(value, dict):
        raise AnswerRejected(f"`{where.rstrip('.')}` must be a mapping, got a {_kind(value)}.")
    for key, item in value.items():
        label = f"{where}{key}"
        if key in PG_BOOLEANS:
            config.pg_flags[key] = _boolean(item, label)
        elif key == "parameters":
            if not isinstance(item, dict):
                raise AnswerRejected(f"`{label}` must be a mapping of PostgreSQL parameters, got a {_kind(item)}.")
            for name, setting in item.items():
                config.pg_parameters[str(name)] = _pg_parameter(str(name), setting, f"{label}.{name}")
        else:
            raise AnswerRejected(
                f"`{label}` is not accepted here; under `postgresql` this lab takes use_pg_rewind, use_slots and "
                "parameters."
            )


def _pg_parameter(name: str, value: Any, label: str) -> Any:
    if name not in PG_PARAMETERS:
        raise AnswerRejected(
            f"`{label}` is not a parameter this lab lets you change; it accepts {', '.join(PG_PARAMETERS)}."
        )
    allowed = PG_PARAMETERS[name]
    if allowed is None:
        number = re.fullmatch(r"\d{1,9}\s*[a-zA-Z]{0,3}", str(value))
        if isinstance(value, bool) or not isinstance(value, (int, str)) or number is None:
            raise AnswerRejected(
                f"`{label}` must be a number (with an optional unit such as 64MB or 60s), got {value!r}."
            )
        return value
    spelled = {True: "on", False: "off"}.get(value, str(value).lower()) if isinstance(value, (bool, str)) else None
    if spelled not in allowed:
        raise AnswerRejected(f"`{label}` must be one of {', '.join(allowed)}, got {value!r}.")
    return spelled


def _read_haproxy(value: Any, config: FailoverConfig) -> None:
    if not isinstance(value, dict):
        raise AnswerRejected(f"`haproxy` must be a mapping of check settings, got a {_kind(value)}.")
    for key, item in value.items():
        label = f"haproxy.{key}"
        if key == "check":
            config.check_path = _check_path(item, label)
        elif key in HAPROXY_TIMES:
            config.haproxy[key] = _duration_ms(item, label)
        elif key in HAPROXY_COUNTS:
            config.haproxy[key] = _integer(item, label, 1, 100)
        elif key == "on_marked_down":
            if item not in ("shutdown-sessions", None):
                raise AnswerRejected(
                    f"`{label}` takes only `shutdown-sessions` (HAProxy's one action there), got {item!r}."
                )
            if item:
                config.haproxy[key] = item
        else:
            known = ", ".join(["check", *HAPROXY_TIMES, *HAPROXY_COUNTS, "on_marked_down"])
            raise AnswerRejected(f"`{label}` is not an HAProxy setting this lab takes; it accepts {known}.")


def _check_path(value: Any, label: str) -> str:
    text = str(value).strip() if isinstance(value, str) else ""
    method = re.match(r"(?i)(GET|OPTIONS|HEAD)\s+", text)  # `GET /primary`, as in `option httpchk GET /primary`
    path = text[method.end():] if method else text
    if path not in REST_ENDPOINTS:
        raise AnswerRejected(
            f"`{label}` must name one of Patroni's REST endpoints ({', '.join(REST_ENDPOINTS)}), got {value!r}."
        )
    return path


def _duration_ms(value: Any, label: str) -> int:
    """HAProxy's time syntax: a bare number is milliseconds; units us, ms, s, m."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m)?\s*", str(value)) if not isinstance(value, bool) else None
    if match is None:
        raise AnswerRejected(
            f"`{label}` must be a time such as 1s or 500ms (a bare number means milliseconds), got {value!r}."
        )
    scale = {"us": 0.001, "ms": 1, None: 1, "s": 1000, "m": 60_000}[match.group(2)]
    ms = int(float(match.group(1)) * scale)
    if not 100 <= ms <= 60_000:
        raise AnswerRejected(f"`{label}` must lie between 100ms and 60s for this drill, got {value!r}.")
    return ms


def _integer(value: Any, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerRejected(f"`{label}` must be a whole number, got {value!r}.")
    if not low <= value <= high:
        raise AnswerRejected(f"`{label}` must lie between {low} and {high}, got {value}.")
    return value


def _boolean(value: Any, label: str) -> bool:
    if not isinstance(value, bool):
        raise AnswerRejected(f"`{label}` must be true or false, got {value!r}.")
    return value


def _kind(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def _shape_hint(problem: str) -> str:
    return (
        f"{problem} Write YAML such as `bootstrap: {{dcs: {{ttl: 10, loop_wait: 2, retry_timeout: 4}}}}` with an "
        "optional `haproxy:` mapping for the health check (see the README)."
    )
