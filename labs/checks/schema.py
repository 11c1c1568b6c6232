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
neither see nor disturb each other. Each probe runs in a session as good as new (one
connection, reset by DISCARD ALL between probes: labs/checks/schema_probes.py) whose transaction
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
from labs.checks.schema_probes import ProbeSessions, Problem, expand_values, run_probe
from labs.result import CheckResult
from labs.sandbox.postgres import VISIBLE, PgAttempt, restore_learner_settings
from labs.spec import CheckSpec

ON_DELETE = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


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
    with ProbeSessions(attempt) as sessions:
        for index in order:
            item, should_fail = probes[index]
            probe_problems: list[Problem] = []
            behaviour[index] = run_probe(sessions, item, should_fail=should_fail, problems=probe_problems)
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


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
