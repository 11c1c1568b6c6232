"""The answer of a PgBouncer lab: the settings part of a ``pgbouncer.ini`` (PgBouncer 1.18).

::

    [databases]
    shop = dbname=shop pool_size=12
    shop_reports = dbname=shop pool_mode=session pool_size=4

    [users]
    reporter = pool_mode=session

    [pgbouncer]
    pool_mode = transaction
    max_client_conn = 200

``[databases]`` lines map an alias (the database name a client asks for) to a connection
string of ``key=value`` words; ``[users]`` lines set a user's pool mode or connection cap;
``[pgbouncer]`` holds ``key = value`` settings. ``;`` and ``#`` start comment lines.

The platform owns where things are and who may log in: it adds ``host`` and ``port`` to each
database entry and writes ``listen_*``, ``unix_socket_*``, ``auth_*``, ``logfile``,
``pidfile``, ``admin_users`` and ``query_wait_timeout`` itself. A learner sets pooling policy
only; anything else is refused with the line that sets it (and the nearest right name).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from labs.attempt import AnswerRejected

MAX_ANSWER_CHARS = 20_000
POOL_MODES = ("session", "transaction", "statement")
# [pgbouncer] settings a learner may write, by the kind of value PgBouncer 1.18 reads.
INT_SETTINGS = frozenset(
    {
        "max_client_conn", "default_pool_size", "min_pool_size", "reserve_pool_size", "max_db_connections",
        "max_user_connections", "pkt_buf", "max_packet_size", "listen_backlog", "sbuf_loopcnt",
        "tcp_socket_buffer", "tcp_keepcnt", "tcp_keepidle", "tcp_keepintvl", "tcp_user_timeout", "verbose",
    }
)  # fmt: skip
SECONDS_SETTINGS = frozenset(
    {
        "reserve_pool_timeout", "server_check_delay", "server_lifetime", "server_idle_timeout",
        "server_connect_timeout", "server_login_retry", "client_login_timeout", "autodb_idle_timeout",
        "query_timeout", "client_idle_timeout", "idle_transaction_timeout", "suspend_timeout", "stats_period",
    }
)  # fmt: skip
BOOL_SETTINGS = frozenset(
    {
        "server_round_robin", "disable_pqexec", "application_name_add_host", "log_pooler_errors", "log_stats",
        "server_reset_query_always", "server_fast_close", "tcp_defer_accept", "tcp_keepalive",
    }
)  # fmt: skip
TEXT_SETTINGS = frozenset({"server_reset_query", "server_check_query", "ignore_startup_parameters"})
LEARNER_SETTINGS = frozenset({"pool_mode"}) | INT_SETTINGS | SECONDS_SETTINGS | BOOL_SETTINGS | TEXT_SETTINGS
PLATFORM_SETTINGS = {
    "listen_addr", "listen_port", "unix_socket_dir", "unix_socket_mode", "unix_socket_group", "user", "auth_type",
    "auth_file", "auth_hba_file", "auth_user", "auth_query", "logfile", "pidfile", "admin_users", "stats_users",
    "query_wait_timeout", "syslog", "syslog_ident", "syslog_facility", "log_connections", "log_disconnections",
    "conffile", "service_name", "job_name", "so_reuseport", "resolv_conf", "dns_max_ttl", "dns_nxdomain_ttl",
    "dns_zone_check_period", "peer_id",
}  # fmt: skip
PLATFORM_PREFIXES = ("client_tls_", "server_tls_")
NEWER_SETTINGS = {
    "max_prepared_statements": (
        "max_prepared_statements arrived in PgBouncer 1.21; this server runs 1.18, which refuses to start with it. "
        "On 1.18 a client that uses named prepared statements needs a session-mode pool (pool_mode=session on its "
        "database entry, or on its user in [users])"
    ),
    "track_extra_parameters": "track_extra_parameters arrived in PgBouncer 1.20; this server runs 1.18",
    "max_client_conn_per_user": "PgBouncer has no such setting; max_user_connections caps a user's server connections",
}
# Connection-string keys of a [databases] entry.
DATABASE_KEYS = {
    "dbname": "name", "pool_size": "int", "min_pool_size": "int", "reserve_pool": "int", "pool_mode": "mode",
    "max_db_connections": "int", "client_encoding": "name", "datestyle": "name", "timezone": "name",
    "application_name": "name",
}  # fmt: skip
PLATFORM_DATABASE_KEYS = {"host", "port", "user", "password", "auth_user", "auth_dbname", "connect_query"}
USER_KEYS = {"pool_mode": "mode", "max_user_connections": "int"}
SECTIONS = ("databases", "users", "pgbouncer")
SECTION = re.compile(r"^\[\s*([^\]]*?)\s*\]$")
SETTING = re.compile(r"^(\*|[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")
NAME_VALUE = re.compile(r"^[A-Za-z0-9_.,:/+-]{1,63}$")
TEXT_VALUE = re.compile(r"^[A-Za-z0-9_.,;:()*=<>' -]{0,200}$")
ALIAS = re.compile(r"^(\*|[A-Za-z0-9_-]{1,63})$")


@dataclass
class PoolerConfig:
    """The learner's settings, section by section, and the line that set each."""

    pgbouncer: dict[str, str] = field(default_factory=dict)
    databases: dict[str, dict[str, str]] = field(default_factory=dict)
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # "section.key" -> line number

    def setting(self, name: str, default: str) -> str:
        return self.pgbouncer.get(name, default)

    def database(self, alias: str) -> dict[str, str] | None:
        """The entry a client asking for ``alias`` gets: its own, else the ``*`` fallback."""
        return self.databases.get(alias, self.databases.get("*"))

    def pool_mode(self, alias: str, user: str) -> str:
        """The mode PgBouncer gives (alias, user): the user's, else the database's, else the global."""
        entry = self.database(alias) or {}
        return self.users.get(user, {}).get("pool_mode") or entry.get("pool_mode") or self.setting(
            "pool_mode", "session"
        )

    def server_budget(self, alias: str, user: str) -> int:
        """The most server connections PgBouncer may open for the (alias, user) pool: its size
        plus its reserve (opened under a burst), capped by max_db_connections and
        max_user_connections (0 means no cap, as in PgBouncer)."""
        entry = self.database(alias) or {}
        size = int(entry.get("pool_size", self.setting("default_pool_size", "20")))
        reserve = int(entry.get("reserve_pool", self.setting("reserve_pool_size", "0")))
        caps = [
            int(entry.get("max_db_connections", self.setting("max_db_connections", "0"))),
            int(self.users.get(user, {}).get("max_user_connections", self.setting("max_user_connections", "0"))),
        ]
        return min([size + reserve, *[cap for cap in caps if cap > 0]])


def _suggest(name: str, known: set[str] | frozenset[str] | dict) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _value_problem(key: str, value: str, kind: str) -> str | None:
    if kind == "mode":
        if value.lower() not in POOL_MODES:  # PgBouncer reads the value in any case
            hint = _suggest(value, set(POOL_MODES))
            return f"{key}={value!r}: a pool mode is session, transaction or statement{hint}"
    elif kind == "int":
        if not value.isdigit() or int(value) > 100_000:
            return f"{key}={value!r}: expected a whole number such as 10"
    elif kind == "seconds":
        if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?", value):
            return f"{key}={value!r}: expected seconds as a number such as 5 or 0.5"
    elif kind == "bool":
        if value.lower() not in ("0", "1", "yes", "no", "on", "off", "true", "false"):
            return f"{key}={value!r}: expected 0 or 1"
    elif kind == "text":
        if not TEXT_VALUE.match(value):
            return f"{key}={value[:40]!r}: letters, digits, spaces and simple SQL punctuation only"
    elif not NAME_VALUE.match(value):
        return f"{key}={value[:40]!r}: expected a plain name (letters, digits, _ . , : / + -), no quotes"
    return None


def _setting_kind(key: str) -> str:
    if key == "pool_mode":
        return "mode"
    if key in INT_SETTINGS:
        return "int"
    if key in SECONDS_SETTINGS:
        return "seconds"
    if key in BOOL_SETTINGS:
        return "bool"
    return "text"


def _pgbouncer_problem(key: str, value: str) -> str | None:
    if key in NEWER_SETTINGS:
        return NEWER_SETTINGS[key]
    if key in PLATFORM_SETTINGS or key.startswith(PLATFORM_PREFIXES):
        if key == "query_wait_timeout":
            return ("query_wait_timeout is the app's own patience, set by the platform (see the README): "
                    "size the pools so that nobody waits that long")
        return (f"{key} is set by the platform (where PgBouncer listens, logs and checks logins); "
                "leave it out and set pooling policy only")
    if key not in LEARNER_SETTINGS:
        return f"{key} is not a PgBouncer 1.18 setting this lab lets you write{_suggest(key, LEARNER_SETTINGS)}"
    return _value_problem(key, value, _setting_kind(key))


def _entry_problems(section: str, name: str, text: str) -> tuple[dict[str, str], list[str]]:
    """Parse a [databases] or [users] entry's ``key=value`` words."""
    known = DATABASE_KEYS if section == "databases" else USER_KEYS
    options: dict[str, str] = {}
    problems: list[str] = []
    if section == "databases" and not ALIAS.match(name):
        problems.append(f"{name[:40]!r}: a database alias is a plain name (letters, digits, _ -) or *")
    if section == "users" and not NAME_VALUE.match(name):
        problems.append(f"{name[:40]!r}: a user name is a plain name")
    for word in text.split():
        key, equals, value = word.partition("=")
        key = key.strip()
        if not equals or not value:
            problems.append(f"{word[:40]!r} in the entry for {name}: expected key=value words such as pool_size=10")
            continue
        if section == "databases" and key in PLATFORM_DATABASE_KEYS:
            problems.append(f"{key} in the entry for {name} is set by the platform (it connects to the lab's server "
                            "itself, as the client's own user); write dbname and pool options only")
            continue
        if key not in known:
            where = "a database entry" if section == "databases" else "a [users] entry"
            problems.append(f"{key} is not a key of {where} in PgBouncer 1.18{_suggest(key, known)}; "
                            f"known: {', '.join(known)}")
            continue
        problem = _value_problem(key, value, known[key])
        if problem:
            problems.append(problem)
            continue
        options[key] = value.lower() if known[key] == "mode" else value
    return options, problems


def parse_answer(text: str) -> PoolerConfig:
    """Parse the whole answer; raise AnswerRejected listing every problem with its line."""
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerRejected(f"The answer has {len(text)} characters; a pgbouncer.ini for this lab needs a few "
                             f"dozen lines (at most {MAX_ANSWER_CHARS} characters).")
    config, problems = PoolerConfig(), []
    section: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("%include"):
            problems.append((number, "%include: the answer is the whole file; write the settings here"))
            continue
        match = SECTION.match(line)
        if match:
            name = match.group(1)  # PgBouncer 1.18 reads section and key names case-sensitively
            if name not in SECTIONS:
                hint = "; [peers] arrived in PgBouncer 1.19" if name == "peers" else _suggest(name, set(SECTIONS))
                problems.append((number, f"[{match.group(1)}]: sections are [databases], [users] and "
                                         f"[pgbouncer]{hint}"))
                section = None
                continue
            section = name
            continue
        match = SETTING.match(line)
        if match is None:
            problems.append((number, f"{line[:60]!r} is neither a [section] nor a key = value line"))
            continue
        key, value = match.group(1), match.group(2).strip()
        if section is None:
            problems.append((number, f"{key} comes before any [section] (or after an unknown one): put it under "
                                     "[pgbouncer], [databases] or [users]"))
            continue
        if section == "pgbouncer":
            problem = _pgbouncer_problem(key, value)
            if problem:
                problems.append((number, problem))
                continue
            config.pgbouncer[key] = value.lower() if key == "pool_mode" else value
        else:
            options, errors = _entry_problems(section, key, value)
            problems += [(number, error) for error in errors]
            if not errors:
                getattr(config, section)[key] = options
        config.lines[f"{section}.{key}"] = number
    if not config.databases and not any(n for n, _ in problems):
        problems.append((None, "no [databases] entry: the app and the reports job ask for databases by name, "
                               "and PgBouncer only serves the names listed under [databases]"))
    if problems:
        problems.sort(key=lambda p: (p[0] is None, p[0] or 0))
        raise AnswerRejected("\n".join(f"line {n}: {t}" if n else f"end of answer: {t}" for n, t in problems))
    return config


def render_ini(config: PoolerConfig, server_host: str, server_port: int, platform: dict[str, str]) -> str:
    """pgbouncer.ini: the learner's sections with the platform's host, port and settings added."""
    lines = ["[databases]"]
    for alias, options in config.databases.items():
        words = [f"{key}={value}" for key, value in options.items()]
        lines.append(" ".join([f"{alias} =", *words, f"host={server_host}", f"port={server_port}"]))
    lines += ["", "[users]"]
    lines += [" ".join([f"{user} =", *(f"{k}={v}" for k, v in opts.items())]) for user, opts in config.users.items()]
    lines += ["", "[pgbouncer]"]
    lines += [f"{key} = {value}" for key, value in {**config.pgbouncer, **platform}.items()]
    return "\n".join(lines) + "\n"
