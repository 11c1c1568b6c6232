"""Auto criteria of Postgres design projects (relational-design): schema and rule probes, a
migration run twice and reconciled line by line, queries against the platform's own answers,
query speed read from plans, and many sessions ordering the last units at once."""

from __future__ import annotations

import fnmatch
import json
import threading
import time
from typing import Any

import psycopg
from psycopg import sql as pgsql

from labs.engines.postgres.settings import TRANSACTION_CONTROL
from labs.projects.env_pg import OWNER, FileOutcome, PgProjectEnv
from labs.projects.pg_common import (
    Award,
    compare_results,
    explain_analyze,
    plan_nodes,
    run_learner_query,
    run_platform_query,
    text_of,
)
from labs.projects.spec import Criterion
from labs.sandbox.pg_sql import ScriptError, split_statements

INTEGRITY_CLASS = "23"


def _schema(env: PgProjectEnv, handin: dict[str, bytes]) -> FileOutcome:
    """schema.sql, loaded once per grade as the unprivileged owner."""
    if "schema" not in env.memo:
        env.memo["schema"] = env.run_file("schema.sql", text_of(handin, "schema.sql") or "", timeout_ms=60_000)
    return env.memo["schema"]


def _needs_schema(env: PgProjectEnv, handin: dict[str, bytes]) -> Award | None:
    outcome = _schema(env, handin)
    if outcome.ok:
        return None
    return Award(
        0,
        f"Not graded: schema.sql must load first. {outcome.describe('schema.sql')}.",
        {"schema_error": outcome.sqlstate},
    )


def _close_staging(env: PgProjectEnv) -> None:
    """Once migrated, the owner no longer reads staging: views and queries must use its own tables
    (a view over staging would reconcile without migrating anything)."""
    if not env.memo.get("staging_closed"):
        # SELECT too: a view keeps reading through its owner's table privileges, not schema USAGE
        env.admin_rows(f"REVOKE SELECT ON ALL TABLES IN SCHEMA staging FROM {OWNER}")
        env.admin_rows(f"REVOKE USAGE ON SCHEMA staging FROM {OWNER}")
        env.admin_rows("ANALYZE")
        env.memo["staging_closed"] = True


def _migrated(env: PgProjectEnv, handin: dict[str, bytes]) -> Award | None:
    missing = _needs_schema(env, handin)
    if missing:
        return missing
    if "migrated" not in env.memo:
        outcome = env.run_file("migrate.sql", text_of(handin, "migrate.sql") or "", timeout_ms=120_000)
        env.memo["migrated"] = outcome
        if outcome.ok:
            _close_staging(env)
    outcome = env.memo["migrated"]
    if not outcome.ok:
        return Award(0, f"Not graded: migrate.sql must run first. {outcome.describe('migrate.sql')}.")
    return None


def _cause(exc: Exception) -> str:
    """The database's own words for a failure on the learner's objects, without our wrapper."""
    return str(exc.__cause__ or exc).strip().splitlines()[0]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- rule probes


def _probe(env: PgProjectEnv, name: str, text: str, valid: bool) -> str:
    """'' when the probe behaves, else what went wrong."""
    try:
        statements = split_statements(text)
    except ScriptError as exc:
        return f"{name}: {exc.message}"
    if not statements:
        return f"{name} holds no SQL statement"
    if any(s.first_word in TRANSACTION_CONTROL for s in statements):
        return (
            f"{name} controls transactions; remove BEGIN/COMMIT/ROLLBACK "
            "(each probe runs in its own transaction, rolled back)"
        )
    with env.owner(timeout_ms=10_000, autocommit=False) as conn:
        try:
            outcome = env.run_script(conn, text)
        finally:
            conn.rollback()
    if valid:
        return "" if outcome.ok else f"{name} must succeed, but {outcome.describe('it')[3:]}"
    if outcome.ok:
        return f"{name} must be rejected by your constraints, but every statement succeeded"
    if outcome.failed_index != len(statements):
        return (
            f"{name}: statement {outcome.failed_index} of {len(statements)} failed ({outcome.sqlstate}: "
            f"{outcome.error}) before the last statement, the one that breaks the rule, could run"
        )
    if not outcome.sqlstate.startswith(INTEGRITY_CLASS):
        return (
            f"{name} was rejected with SQLSTATE {outcome.sqlstate} ({outcome.error}), not an integrity error "
            "(class 23); a trigger must RAISE ... USING ERRCODE = 'check_violation'"
        )
    return ""


def check_rule_probes(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    missing = _needs_schema(env, handin)
    if missing:
        return missing
    fewest = int(criterion.options.get("min_rules", 12))
    names = sorted(n for n in handin if fnmatch.fnmatchcase(n, "rules/*.sql"))
    stems = sorted({n.removesuffix(".valid.sql").removesuffix(".invalid.sql") for n in names})
    problems: list[str] = []
    good = 0
    for stem in stems:
        for valid, suffix in ((True, ".valid.sql"), (False, ".invalid.sql")):
            name = stem + suffix
            if name not in handin:
                problems.append(f"{name} is missing: every rule needs a valid and an invalid probe")
                continue
            problem = _probe(env, name, text_of(handin, name) or "", valid)
            if problem:
                problems.append(problem)
            else:
                good += 1
    pairs = len(stems)
    possible = 2 * max(fewest, pairs)
    points = round(criterion.points * good / possible, 2)
    details: dict[str, Any] = {"rules": pairs, "probes_behaving": good, "problems": problems[:20]}
    if not problems and pairs >= fewest:
        return Award(
            criterion.points,
            f"schema.sql loads as an unprivileged owner and all {2 * pairs} probes of your {pairs} rules behave.",
            details,
        )
    parts = []
    if pairs < fewest:
        parts.append(f"expected at least {fewest} rules (valid/invalid pairs), found {pairs}")
    if problems:
        parts.append(f"{len(problems)} probe(s) misbehave; first: {problems[0]}")
    return Award(
        points,
        _sentence("; ".join(parts)) + ". Try each probe in psql inside BEGIN ... ROLLBACK on an empty schema.",
        details,
    )


# --------------------------------------------------------------------------- migration


def _row_counts(env: PgProjectEnv, schema: str) -> dict[str, int]:
    """Rows per table of the learner's schema, counted as the owner (the tables are theirs)."""
    tables = env.admin_rows(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
        (schema,),
    )
    return {
        name: env.owner_rows(
            pgsql.SQL("SELECT pg_catalog.count(*) FROM {}.{}").format(pgsql.Identifier(schema), pgsql.Identifier(name))
        )[0][0]
        for (name,) in tables
    }


def _column_types(env: PgProjectEnv, table: str, columns: list[str]) -> list[str]:
    """The SQL types of the platform's own ``grader.<table>`` columns, in ``columns``' order."""
    found = dict(
        env.admin_rows(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            (f"grader.{table}",),
        )
    )
    return [found[c] for c in columns]


FACT_COLUMNS = ["line_id", "order_ref", "sku", "qty", "line_total_cents", "refunded_cents"]


def _facts_problem(env: PgProjectEnv) -> tuple[str, dict[str, Any]]:
    """Compare shop.order_line_facts with the platform's own reading of the well-formed lines."""
    rows = env.admin_rows("SELECT to_regclass('shop.order_line_facts') IS NOT NULL")
    if not rows[0][0]:
        return "the view shop.order_line_facts does not exist (the brief fixes its columns)", {}
    # The view is the learner's: it is read as the owner (its functions would run as whoever
    # reads it), with the platform's lines handed in as a parameter the owner cannot otherwise see.
    types = _column_types(env, "good_lines", FACT_COLUMNS)
    theirs = env.admin_rows(
        "SELECT pg_catalog.json_agg(pg_catalog.json_build_array(line_id, order_ref, sku, qty, line_total_cents, "
        "coalesce(refunded_cents, 0)))::text FROM grader.good_lines"
    )[0][0]
    typed = pgsql.SQL(", ").join(
        pgsql.SQL("(r->>{})::{} AS {}").format(pgsql.Literal(n), pgsql.SQL(t), pgsql.Identifier(c))
        for n, (c, t) in enumerate(zip(FACT_COLUMNS, types, strict=True))
    )
    query = pgsql.SQL(
        """WITH mine AS (SELECT line_id, order_ref, sku, qty, line_total_cents, refunded_cents
                         FROM shop.order_line_facts WHERE line_id IS NOT NULL),
                theirs AS (SELECT {typed} FROM pg_catalog.jsonb_array_elements(%s::pg_catalog.jsonb) AS t(r))
           SELECT (SELECT count(*) FROM theirs), (SELECT count(*) FROM mine),
                  (SELECT count(*) FROM (SELECT * FROM theirs EXCEPT ALL SELECT * FROM mine) m),
                  (SELECT count(*) FROM (SELECT * FROM mine EXCEPT ALL SELECT * FROM theirs) x),
                  (SELECT sum(line_total_cents) FROM theirs), (SELECT sum(line_total_cents) FROM mine),
                  (SELECT sum(refunded_cents) FROM theirs), (SELECT sum(refunded_cents) FROM mine)"""
    ).format(typed=typed)
    try:
        diff = env.owner_rows(query, (theirs or "[]",), timeout_ms=120_000)[0]
    except psycopg.Error as exc:  # a view with the wrong columns is the learner's to fix
        return f"shop.order_line_facts could not be read with the brief's columns ({_cause(exc)})", {}
    want, have, missing, extra, revenue_want, revenue_have, refund_want, refund_have = diff
    details = {
        "lines_expected": want,
        "lines_seen": have,
        "lines_missing_or_different": missing,
        "lines_extra_or_different": extra,
        "revenue_expected": revenue_want,
        "revenue_seen": revenue_have,
        "refunded_expected": refund_want,
        "refunded_seen": refund_have,
    }
    if missing or extra:
        return (
            f"expected {want} well-formed staging lines with revenue {revenue_want} and refunds {refund_want} "
            f"cents; shop.order_line_facts has {have} lines with revenue {revenue_have} and refunds "
            f"{refund_have}: {missing} staging lines missing or different, {extra} extra or different"
        ), details
    return "", details


def check_migration(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    missing = _needs_schema(env, handin)
    if missing:
        return missing
    weights = {"rerun": 5, "reconcile": 7, "issues": 3, **criterion.options.get("weights", {})}
    scale = criterion.points / sum(weights.values())
    text = text_of(handin, "migrate.sql") or ""
    first = env.run_file("migrate.sql", text, timeout_ms=120_000)
    env.memo["migrated"] = first
    if not first.ok:
        return Award(
            0,
            f"migrate.sql failed on its first run: {first.describe('migrate.sql')}. Run it in psql on a "
            "fresh load of schema.sql and the staging data.",
        )
    env.admin_rows("ANALYZE")
    after_first = _row_counts(env, "shop")
    second = env.run_file("migrate.sql", text, timeout_ms=120_000)
    after_second = _row_counts(env, "shop")
    earned, notes, details = 0.0, [], {"rows_after_first_run": after_first}
    if not second.ok:
        notes.append(
            f"a second run must be harmless, but {second.describe('migrate.sql')}; use ON CONFLICT or NOT "
            "EXISTS so rows already moved are skipped"
        )
    else:
        grown = {t: (after_first.get(t, 0), n) for t, n in after_second.items() if after_first.get(t, 0) != n}
        if grown:
            table, (a, b) = next(iter(grown.items()))
            notes.append(
                f"a second run must change nothing, but shop.{table} went from {a} to {b} rows"
                + (f" (and {len(grown) - 1} more tables changed)" if len(grown) > 1 else "")
                + "; skip rows already moved (ON CONFLICT DO NOTHING on a natural key)"
            )
            details["changed_by_second_run"] = {t: list(v) for t, v in grown.items()}
        else:
            earned += weights["rerun"]
    _close_staging(env)
    problem, facts = _facts_problem(env)
    details.update(facts)
    if problem:
        notes.append(problem + "; compare your line count and sums with the staging rows you keep")
    else:
        earned += weights["reconcile"]
    exists = env.admin_rows("SELECT to_regclass('shop.migration_issues') IS NOT NULL")[0][0]
    if not exists:
        notes.append("shop.migration_issues does not exist")
    else:
        anomalies = [line for (line,) in env.admin_rows("SELECT line_id FROM grader.anomalies")]
        (line_type,) = _column_types(env, "anomalies", ["line_id"])
        try:  # shop.migration_issues is the learner's (it may be a view): read as the owner
            unlogged = env.owner_rows(
                pgsql.SQL(
                    "SELECT count(*), %s::int FROM pg_catalog.unnest(%s::{}[]) AS a(line_id) "
                    "WHERE NOT EXISTS (SELECT 1 FROM shop.migration_issues i WHERE i.line_id = a.line_id)"
                ).format(pgsql.SQL(line_type)),
                (len(anomalies), anomalies),
            )[0]
        except psycopg.Error as exc:
            unlogged = None
            notes.append(f"shop.migration_issues needs a line_id column naming the staging line ({_cause(exc)})")
        if unlogged is not None:
            details["anomalies"], details["anomalies_unlogged"] = unlogged[1], unlogged[0]
            if unlogged[0]:
                notes.append(
                    f"expected every one of the {unlogged[1]} anomalous staging lines in shop.migration_issues "
                    f"by line_id; {unlogged[0]} are not logged (zero or negative quantities, unknown SKUs)"
                )
            else:
                earned += weights["issues"]
    points = round(earned * scale, 2)
    if not notes:
        return Award(
            criterion.points,
            "migrate.sql runs twice without changing anything the second time, every "
            "well-formed line reconciles to the cent and every anomaly is logged.",
            details,
        )
    return Award(points, "; ".join(notes) + ".", details)


# --------------------------------------------------------------------------- queries


def _param_sets(criterion: Criterion, query: str) -> list[dict[str, str]]:
    sets = criterion.options.get("params", {}).get(query, [{}])
    return [{k: str(v) for k, v in s.items()} for s in sets]


def check_queries(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    missing = _migrated(env, handin)
    if missing:
        return missing
    queries: list[str] = criterion.options["queries"]
    order_by: dict[str, list[str]] = criterion.options.get("order_by", {})
    right, notes, details = 0, [], {}
    for query in queries:
        text = text_of(handin, f"queries/{query}.sql")
        oracle = (env.spec.root / "grading" / "oracle" / f"{query}.sql").read_text(encoding="utf-8")
        problem = "" if text is not None else "the file is missing"
        seen = []
        for variables in _param_sets(criterion, query) if text is not None else []:
            expected = run_platform_query(env, oracle, variables)
            got = run_learner_query(env, text or "", variables)
            problem = compare_results(expected, got, order_by.get(query, []))
            seen.append(len(expected.rows or []))
            if problem:
                if variables:
                    problem += f" (with {', '.join(f'{k}={v}' for k, v in variables.items())})"
                break
        details[query] = problem or f"matches ({' and '.join(map(str, seen))} rows)"
        if problem:
            notes.append(f"{query}: {problem}")
        else:
            right += 1
    if right == len(queries):
        return Award(
            criterion.points,
            f"All {len(queries)} queries return exactly the reference result on the hidden data.",
            details,
        )
    return Award(
        round(criterion.points * right / len(queries), 2),
        f"{right} of {len(queries)} queries match the reference result. "
        + "; ".join(notes[:3])
        + "."
        + " Check ties, empty groups (LEFT JOIN with coalesce) and the handout's row order.",
        details,
    )


# --------------------------------------------------------------------------- speed


def check_query_speed(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    missing = _migrated(env, handin)
    if missing:
        return missing
    options = criterion.options
    target = options["indexed_query"]
    ceiling_ms = float(options.get("max_ms", 300))
    indexed_ms = float(options.get("indexed_max_ms", 50))
    notes, details, earned = [], {}, 0.0
    variables = _param_sets(criterion, target)[0]
    plan, error = explain_analyze(env, text_of(handin, f"queries/{target}.sql") or "", variables)
    if plan is None:
        notes.append(f"{target} could not be explained: {error}")
    else:
        nodes = plan_nodes(plan["Plan"])
        seq = sorted({n.get("Relation Name", "?") for n in nodes if n["Node Type"] == "Seq Scan"})
        took = float(plan.get("Execution Time", 0.0))
        details[f"{target}_seq_scans"], details[f"{target}_ms"] = seq, round(took, 2)
        if seq:
            notes.append(
                f"{target} must read every table through an index, but its plan has a Seq Scan on "
                f"{', '.join(seq)}; index the column it looks up or joins on"
            )
        elif took > indexed_ms:
            notes.append(f"{target} uses indexes but took {took:.1f} ms, above {indexed_ms:.0f} ms")
        else:
            earned += 3
    slow = []
    for query in options["queries"]:
        text = text_of(handin, f"queries/{query}.sql")
        if text is None:
            slow.append(f"{query} (missing)")
            continue
        runs = [run_learner_query(env, text, _param_sets(criterion, query)[0]) for _ in range(2)]
        if runs[0].error:
            slow.append(f"{query} (failed)")
            continue
        best = min(r.seconds for r in runs) * 1000
        details[f"{query}_ms"] = round(best, 1)
        if best > ceiling_ms:
            slow.append(f"{query} ({best:.0f} ms)")
    if slow:
        notes.append(f"every query must finish within {ceiling_ms:.0f} ms; not so: {', '.join(slow)}")
    else:
        earned += 2
    if not notes:
        return Award(
            criterion.points,
            f"{target} reads every table through an index and all queries finish within {ceiling_ms:.0f} ms.",
            details,
        )
    return Award(
        round(criterion.points * earned / 5, 2), "; ".join(notes) + ". Read the plans with EXPLAIN ANALYZE.", details
    )


# --------------------------------------------------------------------------- concurrency


def _order(
    env: PgProjectEnv,
    email: str,
    lines: list[dict[str, Any]],
    barrier: threading.Barrier | None,
    out: list[tuple[str | None, str]],
) -> None:
    try:
        with env.owner(timeout_ms=20_000) as conn:
            if barrier is not None:
                barrier.wait(timeout=30)
            try:
                ref = conn.execute(
                    "SELECT shop.place_order(%s, %s::pg_catalog.jsonb)", (email, json.dumps(lines))
                ).fetchone()
                out.append(((ref or [None])[0] or "", ""))
            except psycopg.Error as exc:
                out.append((None, exc.diag.sqlstate or "error"))
    except threading.BrokenBarrierError:
        out.append((None, "barrier"))


def check_concurrent_orders(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    missing = _migrated(env, handin)
    if missing:
        return missing
    options = criterion.options
    sku, other, sessions, units = options["sku"], options["other_sku"], int(options["sessions"]), int(options["units"])
    loaded = env.run_file("place_order.sql", text_of(handin, "place_order.sql") or "")
    if not loaded.ok:
        return Award(0, f"place_order.sql did not load: {loaded.describe('place_order.sql')}.")
    email = env.admin_rows("SELECT email FROM staging.legacy_accounts ORDER BY account_id LIMIT 1")[0][0]

    # the learner's views, read as their owner: their functions never run with our rights
    def stock(of: str) -> int | None:
        rows = env.owner_rows("SELECT stock FROM shop.variant_stock WHERE sku = %s", (of,))
        return rows[0][0] if rows else None

    def lines_of(of: str) -> int:
        return env.owner_rows("SELECT count(*) FROM shop.order_line_facts WHERE sku = %s", (of,))[0][0]

    try:
        start_stock, start_lines, other_stock = stock(sku), lines_of(sku), stock(other)
    except psycopg.Error as exc:
        return Award(0, f"the views shop.variant_stock and shop.order_line_facts must exist ({_cause(exc)}).")
    if start_stock != units:
        return Award(
            0,
            f"expected {sku} to start with {units} units in shop.variant_stock after migration, "
            f"saw {start_stock}; migrate the catalogue's stock as it is.",
        )
    barrier = threading.Barrier(sessions)
    outcomes: list[tuple[str | None, str]] = []
    threads = [
        threading.Thread(target=_order, args=(env, email, [{"sku": sku, "qty": 1}], barrier, outcomes))
        for _ in range(sessions)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, env.remaining()))
    refs = [ref for ref, _ in outcomes if ref is not None]
    errors = sorted({code for ref, code in outcomes if ref is None})
    try:
        end_stock, end_lines = stock(sku), lines_of(sku)
    except psycopg.Error as exc:  # the learner's views, failing once orders exist
        return Award(
            0, f"after the orders, shop.variant_stock or shop.order_line_facts could not be read ({_cause(exc)})."
        )
    # a failing two-line order (the second line cannot be filled) must leave nothing behind
    partial: list[tuple[str | None, str]] = []
    _order(env, email, [{"sku": other, "qty": 1}, {"sku": sku, "qty": 1}], None, partial)
    details = {
        "succeeded": len(refs),
        "errors": errors,
        "stock_before": start_stock,
        "stock_after": end_stock,
        "new_lines": end_lines - start_lines,
        "seconds": round(time.monotonic() - started, 2),
    }
    earned, notes = 0, []
    if len(refs) == units and len(set(refs)) == units and all(refs):
        earned += 4
    else:
        notes.append(
            f"expected exactly {units} of {sessions} sessions to succeed with distinct references, "
            f"{len(refs)} did (errors seen: {', '.join(errors) or 'none'})"
        )
    if end_stock == 0 and end_lines - start_lines == len(refs):
        earned += 3
    else:
        notes.append(
            f"expected stock to end at 0 with one new line per successful order; stock is {end_stock}, "
            f"{end_lines - start_lines} new lines for {len(refs)} orders (every successful order needs its line; "
            "reading stock into a variable and writing it back loses updates)"
        )
    try:
        after_other, after_lines = stock(other), lines_of(other)
    except psycopg.Error as exc:
        after_other, after_lines = f"unreadable ({_cause(exc)})", None
    if (
        partial
        and partial[0][0] is None
        and after_other == other_stock
        and after_lines == env.admin_rows("SELECT count(*) FROM grader.good_lines WHERE sku = %s", (other,))[0][0]
    ):
        earned += 3
    else:
        notes.append(
            f"an order whose second line cannot be filled must fail and leave nothing behind; "
            f"{'it succeeded' if partial and partial[0][0] is not None else 'it failed'}, {other} stock went "
            f"from {other_stock} to {after_other}"
        )
    if not notes:
        return Award(
            criterion.points,
            f"{sessions} parallel sessions: exactly {units} orders succeeded, stock ended at "
            "0 and a failing order left nothing behind.",
            details,
        )
    return Award(
        round(criterion.points * earned / 10, 2),
        "; ".join(notes) + ". Decrement with one conditional "
        "UPDATE ... WHERE stock >= qty and RAISE when it finds no row.",
        details,
    )
