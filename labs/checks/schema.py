"""The ``schema`` check: what the learner's DDL built, read from the catalogs, and how it behaves.

The answer runs first as a script. Parameters (each optional; tables are ``name`` or
``schema.name``, default schema ``public``)::

    tables = ["customers", "orders"]
    primary_key = { table = "orders", columns = ["id"] }            # or a list of them
    foreign_keys = [{ table = "orders", columns = ["customer_id"], references = "customers",
                      ref_columns = ["id"], on_delete = "cascade" }]
    unique = [{ table = "customers", columns = ["email"] }]         # constraint or unique index
    not_null = [{ table = "customers", columns = ["email", "name"] }]
    checks_exist = [{ table = "orders", columns = ["quantity"] }]   # a CHECK mentioning them
    column_types = [{ table = "orders", column = "amount", type = "numeric(10,2)" }]
    indexes = [{ table = "orders", columns = ["customer_id"], unique = false }]
    must_fail = ["INSERT INTO orders ...", { sql = "...", why = "a quantity must be positive" }]
    # one probe per value, {{value}} in sql and why replaced by the value as a SQL literal:
    must_fail = [{ sql = "INSERT INTO orders (status) VALUES ({{value}})", values = ["lost", "PAID"] }]
    must_succeed = ["INSERT INTO ...", { sql = "...", why = "..." }]

Behaviour statements run as the learner, each in a transaction that is rolled back, so they
neither see nor disturb each other. Each probe runs in a fresh session whose transaction
defaults are forced (role settings the answer made are undone first), in a random order. A
``must_fail`` probe counts as refused only when every statement before its last one succeeds
(the valid rows are accepted) and the last fails with the intended SQLSTATE class (``sqlstate``
in the item, default ``23``: an integrity constraint) on a constraint that really exists on the
table it writes (so a trigger that refuses rows, or the first few probes, is not a constraint).
"""

from __future__ import annotations

import random
import re
from typing import Any

import psycopg

from labs.checks.pg_common import answer_failed
from labs.result import CheckResult
from labs.sandbox.pg_sql import split_statements
from labs.sandbox.postgres import VISIBLE, LearnerSqlError, PgAttempt, restore_learner_settings
from labs.spec import CheckSpec

ON_DELETE = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


class Problem(Exception):
    """One catalog or behaviour expectation that does not hold (message + hint)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def check(attempt: PgAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    lab_hint = str(params.get("hint", ""))
    outcome = attempt.apply_answer(VISIBLE)
    if not outcome.ok:
        return answer_failed(outcome, lab_hint, "schema")
    problems: list[Problem] = []
    passed: list[str] = []
    with attempt.platform_work(), attempt.connect_admin(VISIBLE) as admin:
        catalog = Catalog(admin)
        for rule_name, rule in CATALOG_RULES:
            for item in _as_list(params.get(rule_name)):
                try:
                    passed.append(rule(catalog, item))
                except Problem as problem:
                    problems.append(problem)
    probes = [(item, True) for item in expand_values(_as_list(params.get("must_fail")))]
    probes += [(item, False) for item in expand_values(_as_list(params.get("must_succeed")))]
    behaviour: list[dict[str, Any]] = [{} for _ in probes]
    if probes:
        with attempt.platform_work():
            restore_learner_settings(attempt.instance)  # ALTER ROLE learner SET … made by the answer
    # a random order: an answer cannot count on which probe comes first (a trigger refusing
    # the first N writes then refuses valid rows too)
    order = list(range(len(probes)))
    random.SystemRandom().shuffle(order)
    found: list[tuple[int, Problem]] = []
    with _ProbeSessions(attempt) as sessions:
        for index in order:
            item, should_fail = probes[index]
            probe_problems: list[Problem] = []
            behaviour[index] = _behaviour(sessions, item, should_fail=should_fail, problems=probe_problems)
            found += [(index, problem) for problem in probe_problems]
    problems += [problem for _, problem in sorted(found, key=lambda pair: pair[0])]
    artifacts = {"behaviour": behaviour, "satisfied": passed}
    if problems:
        message = problems[0].message
        if len(problems) > 1:
            message += f" ({len(problems) - 1} more: " + " ".join(p.message for p in problems[1:4])
            message += " …)" if len(problems) > 4 else ")"
        hint = " ".join(h for h in (problems[0].hint, lab_hint) if h)
        artifacts["problems"] = [{"message": p.message, "hint": p.hint} for p in problems]
        return CheckResult("schema", False, message, hint, artifacts=artifacts)
    return CheckResult(
        "schema",
        True,
        f"Your schema has everything the lab asks for ({len(passed) + len(behaviour)} checks).",
        artifacts=artifacts,
    )


# --------------------------------------------------------------------------- catalog


class Catalog:
    """Catalog reads as the superuser with search_path = pg_catalog, pg_temp (no learner code
    runs: catalogs are plain tables, and the functions named are pg_catalog's)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        return self.conn.execute(query, params).fetchall()

    def table(self, name: str) -> int:
        schema, _, table = name.rpartition(".")
        found = self.rows(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
            (schema or "public", table),
        )
        if not found:
            raise Problem(
                f"There is no table {name}.",
                f"Create it with CREATE TABLE {name} (...), spelled exactly like that (unquoted names are lower case).",
            )
        return found[0][0]

    def columns_of(self, table_oid: int, attnums: list[int]) -> list[str]:
        names = dict(
            self.rows("SELECT attnum, attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0", (table_oid,))
        )
        return [names.get(n, "?") for n in attnums]

    def constraints(self, table_oid: int, contype: str) -> list[dict[str, Any]]:
        rows = self.rows(
            "SELECT conname, conkey, confrelid, confkey, confdeltype, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = %s AND contype = %s ORDER BY conname",
            (table_oid, contype),
        )
        return [
            {
                "name": name,
                "columns": self.columns_of(table_oid, list(conkey or [])),
                "ref_table": self.table_name(confrelid) if confrelid else None,
                "ref_columns": self.columns_of(confrelid, list(confkey or [])) if confrelid else [],
                "on_delete": ON_DELETE.get(deltype or "", ""),
                "definition": definition,
            }
            for name, conkey, confrelid, confkey, deltype, definition in rows
        ]

    def table_name(self, oid: int) -> str:
        return self.rows("SELECT relname FROM pg_class WHERE oid = %s", (oid,))[0][0]

    def index_columns_used(self, index_oid: int, table_oid: int) -> list[str]:
        """Every table column an index depends on, in its keys or its expressions (pg_depend
        records the columns an expression reads), so lower(email) counts as using email."""
        rows = self.rows(
            "SELECT DISTINCT a.attname FROM pg_depend d JOIN pg_attribute a "
            "ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
            "WHERE d.classid = 'pg_class'::regclass AND d.objid = %s "
            "AND d.refclassid = 'pg_class'::regclass AND d.refobjid = %s AND d.refobjsubid > 0",
            (index_oid, table_oid),
        )
        return sorted(r[0] for r in rows)

    def indexes(self, table_oid: int) -> list[dict[str, Any]]:
        rows = self.rows(
            "SELECT i.relname, x.indkey::int2[], x.indisunique, x.indpred IS NOT NULL, x.indisprimary, "
            "x.indexrelid, x.indnkeyatts "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s",
            (table_oid,),
        )
        return [
            {
                "name": name,
                "columns": self.columns_of(table_oid, [k for k in keys if k]),
                # key columns only: INCLUDE columns are carried, not unique
                "key_columns": self.columns_of(table_oid, [k for k in keys[:nkeys] if k]),
                "expression": 0 in keys[:nkeys],
                "unique": unique,
                "partial": partial,
                "primary": primary,
                "oid": oid,
            }
            for name, keys, unique, partial, primary, oid, nkeys in rows
        ]


def _columns(item: dict[str, Any]) -> list[str]:
    columns = item.get("columns", item.get("column"))
    return [columns] if isinstance(columns, str) else list(columns or [])


def _cols(columns: list[str]) -> str:
    return "(" + ", ".join(columns) + ")"


def rule_tables(catalog: Catalog, item: Any) -> str:
    catalog.table(item if isinstance(item, str) else item["table"])
    return f"table {item} exists"


def rule_primary_key(catalog: Catalog, item: dict[str, Any]) -> str:
    table, want = item["table"], _columns(item)
    keys = catalog.constraints(catalog.table(table), "p")
    if not keys:
        raise Problem(
            f"{table} has no primary key; expected PRIMARY KEY {_cols(want)}.", "Add PRIMARY KEY to the column."
        )
    if sorted(keys[0]["columns"]) != sorted(want):
        raise Problem(
            f"{table}'s primary key is {_cols(keys[0]['columns'])}; expected {_cols(want)}.",
            "The primary key identifies a row: choose the column(s) the lab names.",
        )
    return f"{table} has PRIMARY KEY {_cols(want)}"


def rule_foreign_keys(catalog: Catalog, item: dict[str, Any]) -> str:
    table, want = item["table"], _columns(item)
    references = str(item["references"])
    ref_table, _, ref_cols = references.partition("(")
    ref_table = ref_table.strip().split(".")[-1]
    ref_columns = item.get("ref_columns") or [c.strip() for c in ref_cols.rstrip(")").split(",") if c.strip()]
    fks = [fk for fk in catalog.constraints(catalog.table(table), "f") if sorted(fk["columns"]) == sorted(want)]
    described = f"{table}{_cols(want)} REFERENCES {ref_table}"
    if not fks:
        raise Problem(
            f"{table} has no foreign key on {_cols(want)}; expected {described}.",
            f"Declare it: {want[0]} ... REFERENCES {ref_table}, so Postgres refuses rows pointing nowhere.",
        )
    fk = fks[0]
    if fk["ref_table"] != ref_table or (ref_columns and sorted(fk["ref_columns"]) != sorted(ref_columns)):
        raise Problem(
            f"The foreign key on {table}{_cols(want)} references {fk['ref_table']}{_cols(fk['ref_columns'])}; "
            f"expected {ref_table}{_cols(ref_columns) if ref_columns else ''}.",
        )
    on_delete = item.get("on_delete")
    if on_delete and fk["on_delete"] != str(on_delete).lower().replace("_", " "):
        raise Problem(
            f"The foreign key on {table}{_cols(want)} uses ON DELETE {fk['on_delete'].upper()}; "
            f"expected ON DELETE {str(on_delete).upper()}.",
            f"Add ON DELETE {str(on_delete).upper()} to the REFERENCES clause (drop and re-create the constraint).",
        )
    return f"{described} ({fk['definition']})"


def rule_unique(catalog: Catalog, item: dict[str, Any]) -> str:
    table, want = item["table"], _columns(item)
    oid = catalog.table(table)
    for index in catalog.indexes(oid):
        if not index["unique"] or index["partial"]:
            continue
        if not index["expression"] and sorted(index["key_columns"]) == sorted(want):
            return f"{table}{_cols(want)} is unique"
        # a unique index on an expression of exactly these columns, e.g. lower(email): equal
        # values give equal expressions, so it refuses every duplicate a plain UNIQUE does
        if index["expression"] and catalog.index_columns_used(index["oid"], oid) == sorted(want):
            return f"{table}{_cols(want)} is unique (index {index['name']} on an expression of it)"
    raise Problem(
        f"Nothing makes {table}{_cols(want)} unique: two rows could share the same value.",
        f"Add UNIQUE {_cols(want)} to the table (a unique constraint).",
    )


def rule_not_null(catalog: Catalog, item: dict[str, Any]) -> str:
    table = item["table"]
    oid = catalog.table(table)
    flags = dict(
        catalog.rows(
            "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped",
            (oid,),
        )
    )
    for column in _columns(item):
        if column not in flags:
            raise Problem(f"{table} has no column {column}.", "Check the column names the lab asks for.")
        if not flags[column] and not _check_forbids_null(catalog, oid, column):
            raise Problem(
                f"{table}.{column} accepts NULL; it must be NOT NULL.", f"Declare the column as {column} ... NOT NULL."
            )
    return f"{table}{_cols(_columns(item))} are NOT NULL"


def _check_forbids_null(catalog: Catalog, table_oid: int, column: str) -> bool:
    """Does a validated CHECK refuse NULL in ``column``? True when one of its top-level AND
    terms is ``column IS NOT NULL`` (a CHECK (status IS NOT NULL) behaves as NOT NULL does)."""
    rows = catalog.rows(
        "SELECT pg_get_constraintdef(oid), quote_ident(%s) FROM pg_constraint "
        "WHERE conrelid = %s AND contype = 'c' AND convalidated",
        (column, table_oid),
    )
    for definition, quoted in rows:
        body = re.sub(r"^CHECK\s*", "", definition.strip(), flags=re.I)
        body = re.sub(r"\s+NO INHERIT$", "", body)
        if any(_unwrap(term) == f"{quoted} IS NOT NULL" for term in _top_level_and(_unwrap(body))):
            return True
    return False


def _unwrap(text: str) -> str:
    """``((x))`` -> ``x``: drop parentheses that enclose the whole expression."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, start: int) -> int:
    depth, quoted = 0, False
    for i in range(start, len(text)):
        c = text[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _top_level_and(text: str) -> list[str]:
    terms, depth, quoted, start = [], 0, False, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == "(":
            depth += 1
        elif not quoted and c == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(" AND ", i):
            terms.append(text[start:i])
            start = i + 5
            i += 5
            continue
        i += 1
    terms.append(text[start:])
    return terms


def rule_checks_exist(catalog: Catalog, item: Any) -> str:
    item = {"table": item} if isinstance(item, str) else item
    table, want = item["table"], _columns(item)
    oid = catalog.table(table)
    for constraint in catalog.constraints(oid, "c"):
        if all(column in constraint["columns"] for column in want):
            return f"{table} has {constraint['definition']}"
    # the allowed values kept in a lookup table the column references: the same rule, as data
    for constraint in catalog.constraints(oid, "f"):
        if want and sorted(constraint["columns"]) == sorted(want):
            return f"{table}{_cols(want)} takes its values from {constraint['ref_table']} ({constraint['definition']})"
    about = f" on {_cols(want)}" if want else ""
    raise Problem(
        f"{table} has no CHECK constraint{about}.",
        "A CHECK constraint states a rule every row must satisfy, e.g. CHECK (quantity > 0).",
    )


def rule_column_types(catalog: Catalog, item: dict[str, Any]) -> str:
    table, column, want = item["table"], item["column"], str(item["type"])
    oid = catalog.table(table)
    found = catalog.rows(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s AND attname = %s "
        "AND NOT attisdropped",
        (oid, column),
    )
    if not found:
        raise Problem(f"{table} has no column {column}.", "Check the column names the lab asks for.")
    actual = found[0][0]
    if actual != _canonical_type(catalog, want):
        raise Problem(
            f"{table}.{column} is {actual}; expected {want}.",
            f"Change it with ALTER TABLE {table} ALTER COLUMN {column} TYPE {want}.",
        )
    return f"{table}.{column} is {actual}"


def _canonical_type(catalog: Catalog, type_name: str) -> str:
    """How Postgres spells ``type_name`` (int -> integer, varchar(20) -> character varying(20))."""
    try:
        with catalog.conn.transaction(force_rollback=True):
            catalog.conn.execute(f"CREATE TEMP TABLE indexed_type_probe (c {type_name})")
            return catalog.rows(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'indexed_type_probe'::regclass AND attname = 'c'"
            )[0][0]
    except psycopg.Error:  # a type only the learner's schema defines: compare the spelling
        return type_name


def rule_indexes(catalog: Catalog, item: dict[str, Any]) -> str:
    table, want = item["table"], _columns(item)
    for index in catalog.indexes(catalog.table(table)):
        if index["columns"][: len(want)] == want and not index["expression"]:
            if item.get("unique") and not index["unique"]:
                continue
            return f"{table} has index {index['name']} on {_cols(index['columns'])}"
    raise Problem(
        f"{table} has no index whose key starts with {_cols(want)}.",
        f"CREATE INDEX ON {table} {_cols(want)}; column order matters in a multi-column index.",
    )


CATALOG_RULES = [
    ("tables", rule_tables),
    ("primary_key", rule_primary_key),
    ("foreign_keys", rule_foreign_keys),
    ("unique", rule_unique),
    ("not_null", rule_not_null),
    ("checks_exist", rule_checks_exist),
    ("column_types", rule_column_types),
    ("indexes", rule_indexes),
]


# --------------------------------------------------------------------------- behaviour

# Forced in every probe session (client options outrank role and database defaults), so an
# answer's ALTER ROLE … SET default_transaction_read_only = on cannot make writes "refused".
PROBE_SETTINGS = (
    "-c default_transaction_read_only=off -c default_transaction_deferrable=off "
    "-c default_transaction_isolation=read\\ committed -c row_security=on"
)
_TARGET = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?)\s+([\w.\"]+)", re.I)
# SQLSTATE -> the constraint kinds (pg_constraint.contype) that raise it
_KINDS = {"23505": "up", "23514": "c", "23503": "f", "23P01": "x"}


def sql_literal(value: Any) -> str:
    """A TOML value as SQL: numbers as they are, text quoted, booleans as TRUE/FALSE."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def expand_values(items: list[Any]) -> list[Any]:
    """A probe with ``values = [...]`` becomes one probe per value, ``{{value}}`` in its sql
    replaced by the value as a SQL literal (in ``why`` by the literal too). One probe per
    value: a CHECK admitting a single extra status, or refusing a single legal price, fails."""
    expanded: list[Any] = []
    for item in items:
        if not isinstance(item, dict) or "values" not in item:
            expanded.append(item)
            continue
        for value in item["values"]:
            literal = sql_literal(value)
            probe = {k: v for k, v in item.items() if k != "values"}
            probe["sql"] = str(item["sql"]).replace("{{value}}", literal)
            probe["why"] = str(item.get("why", "")).replace("{{value}}", literal)
            expanded.append(probe)
    return expanded


class _ProbeSessions:
    """The sessions a check's probes run in: one learner session, put back between probes to a
    new session's state by DISCARD ALL (settings back to the connection's, temporary tables,
    advisory locks, prepared statements, LISTEN and cursors gone), and one superuser session
    for reading the catalog. A new connection per probe cost a fork and an authentication
    each: about half of a schema lab's grading time."""

    def __init__(self, attempt: PgAttempt):
        self.attempt = attempt
        self._learner: psycopg.Connection | None = None
        self._admin: psycopg.Connection | None = None

    def __enter__(self) -> _ProbeSessions:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for conn in (self._learner, self._admin):
            if conn is not None:
                conn.close()

    def learner(self) -> psycopg.Connection:
        conn = self._learner
        if conn is not None and not conn.closed and not conn.broken:
            try:
                with self.attempt.platform_work():
                    conn.execute("DISCARD ALL")
                return conn
            except psycopg.Error:  # the probe's session went away (an answer may end its own backends)
                conn.close()
        self._learner = self.attempt.connect_learner(self.attempt.database(VISIBLE), settings=PROBE_SETTINGS)
        return self._learner

    def admin(self) -> psycopg.Connection:
        if self._admin is None or self._admin.closed or self._admin.broken:
            self._admin = self.attempt.connect_admin(VISIBLE)
        return self._admin


def _behaviour(sessions: _ProbeSessions, item: Any, *, should_fail: bool, problems: list[Problem]) -> dict[str, Any]:
    attempt = sessions.attempt
    sql = item if isinstance(item, str) else item["sql"]
    why = "" if isinstance(item, str) else str(item.get("why", ""))
    wanted = "23" if isinstance(item, str) else str(item.get("sqlstate", "23"))
    statements = split_statements(sql)
    error, failed_at = None, 0
    # a session as good as new for each probe: nothing an earlier probe (or the answer) SET carries over
    conn = sessions.learner()
    try:
        with attempt.learner_call(), conn.transaction(force_rollback=True):
            for position, statement in enumerate(statements, 1):
                failed_at = position
                attempt.execute_statement(conn, statement)
            if statements:
                # the probe is rolled back, never committed: check DEFERRABLE INITIALLY
                # DEFERRED constraints now, as COMMIT would after the last statement
                with attempt.learner_call(statements[-1]):
                    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except LearnerSqlError as exc:
        error = exc
    # the statement that matters is the last one (the earlier ones only set up valid rows)
    shown = statements[-1].short(160) if statements else ""
    if len(statements) > 1:
        shown = f"{shown} (after {len(statements) - 1} statement{'s' if len(statements) > 2 else ''} adding valid rows)"
    record = {"sql": sql, "expected": "fail" if should_fail else "succeed", "failed": error is not None}
    if error is not None:
        record["error"] = _server_error(error)
    if should_fail and error is not None:
        not_refused = _not_a_refusal(sessions, error, statements, failed_at, wanted)
        if not_refused:
            record["counted_as_refused"] = False
            reason = f" ({why})" if why else ""
            problems.append(
                Problem(
                    f"This statement should have been refused by a constraint{reason}, but {not_refused}: {shown}",
                    "Declare the rule as a constraint (CHECK, UNIQUE, NOT NULL, a FOREIGN KEY) on the table; "
                    "a trigger or a setting that refuses writes does not count, and valid rows must still go in.",
                )
            )
            return record
    if should_fail and error is None:
        reason = f" ({why})" if why else ""
        problems.append(
            Problem(
                f"This statement should have been refused{reason}, but it succeeded: {shown}",
                "Add the constraint that forbids it: CHECK, UNIQUE, NOT NULL or a FOREIGN KEY.",
            )
        )
    elif not should_fail and error is not None:
        reason = f" ({why})" if why else ""
        problems.append(
            Problem(
                f"This statement should work{reason}, but Postgres refused it: "
                f"{statements[failed_at - 1].short(160) if 0 < failed_at <= len(statements) else shown} — "
                f"{_server_error(error)}",
                "A constraint is stricter than the lab asks, or a column is missing or misnamed.",
            )
        )
    return record


def _not_a_refusal(
    sessions: _ProbeSessions, error: LearnerSqlError, statements: list[Any], failed_at: int, wanted: str
) -> str:
    """Why a failed must_fail probe is not the intended refusal ('' when it is)."""
    if failed_at < len(statements):
        return (
            f"statement {failed_at} of the probe, which only sets up valid rows, was refused instead "
            f"({_server_error(error)})"
        )
    sqlstate = error.sqlstate or ""
    if not sqlstate.startswith(wanted):
        return f"it failed with another kind of error, not a constraint violation ({_server_error(error)})"
    if not sqlstate.startswith("23"):
        return ""
    diag = getattr(error.__cause__, "diag", None)
    schema = getattr(diag, "schema_name", None) or "public"
    table = getattr(diag, "table_name", None)
    constraint = getattr(diag, "constraint_name", None)
    column = getattr(diag, "column_name", None)
    target = _TARGET.match(statements[-1].text)
    target_table = target.group(1).replace('"', "").split(".")[-1].lower() if target else None
    with sessions.attempt.platform_work():
        conn = sessions.admin()
        if sqlstate == "23502":
            real = (
                table
                and column
                and conn.execute(
                    "SELECT a.attnotnull FROM pg_catalog.pg_attribute a "
                    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s AND NOT a.attisdropped",
                    (schema, table, column),
                ).fetchone()
            )
            ok = bool(real and real[0]) and (target_table is None or target_table == table)
        else:
            kinds = _KINDS.get(sqlstate, "cfpuxt")
            rows = conn.execute(
                "SELECT c.relname, f.relname FROM pg_catalog.pg_constraint k "
                "JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_catalog.pg_class f ON f.oid = k.confrelid "
                "WHERE n.nspname = %s AND c.relname = %s AND k.conname = %s AND k.contype::pg_catalog.text = ANY(%s) "
                "UNION ALL "  # a unique index without a constraint
                "SELECT t.relname, NULL FROM pg_catalog.pg_index x "
                "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
                "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                "WHERE %s AND x.indisunique AND n.nspname = %s AND t.relname = %s AND i.relname = %s",
                (schema, table, constraint, list(kinds), sqlstate == "23505", schema, table, constraint),
            ).fetchall()
            ok = any(target_table is None or target_table in (own, referenced) for own, referenced in rows)
    if ok:
        return ""
    return f"the error did not come from a constraint on that table ({_server_error(error)})"


def _server_error(error: LearnerSqlError) -> str:
    # "Statement 1 (...) failed: ERROR: ..." -> just the ERROR part
    message = error.message
    return message[message.find("ERROR:") :] if "ERROR:" in message else message


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
