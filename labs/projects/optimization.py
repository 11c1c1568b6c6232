"""Auto criteria of Postgres optimization projects (query-optimization): results unchanged against
the original queries, buffer targets read from EXPLAIN (ANALYZE, BUFFERS), the index-size budget and
the write cost measured as WAL per inserted row, and the captured plans."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql as pgsql

from labs.projects.env_pg import PgProjectEnv, PlatformFault
from labs.projects.pg_common import (
    Award,
    QueryRun,
    compare_results,
    explain_analyze,
    plan_nodes,
    run_learner_query,
    run_platform_query,
    text_of,
)
from labs.projects.spec import Criterion
from labs.sandbox.pg_sql import ScriptError, split_statements


def _workload(env: PgProjectEnv) -> dict[str, Any]:
    return env.spec.environment["workload"]


def _params(env: PgProjectEnv, query: str, key: str = "params") -> list[dict[str, str]]:
    sets = _workload(env).get(key, {}).get(query) or _workload(env).get("params", {}).get(query) or [{}]
    return [{k: str(v) for k, v in s.items()} for s in sets]


def _query_file(query: str) -> str:
    return f"queries/{query}.sql"


class IngestFailed(RuntimeError):
    """The ingestion batch failed on the learner's tables after their migration."""


def _wal_per_row(env: PgProjectEnv, *, learner_made: bool = False) -> float:
    """WAL bytes per row of the platform's ingestion batch, rolled back. It writes the owner's
    tables, so it runs as the owner: their index expressions and anything else that fires on a
    write must never run with the administrator's rights. A failure is ours before the learner's
    migration and ``IngestFailed`` (theirs) after it (``learner_made``)."""
    bench = _workload(env)["ingest"]
    with env.grader_owner(timeout_ms=180_000) as conn:
        try:
            conn.execute("BEGIN")
            plan = conn.execute(f"EXPLAIN (ANALYZE, WAL, FORMAT JSON) {bench['sql']}").fetchone()[0][0]["Plan"]
        except psycopg.Error as exc:
            if learner_made and env.instance.alive():
                raise IngestFailed(exc.diag.message_primary or str(exc)) from exc
            raise PlatformFault(f"the ingestion benchmark failed: {exc}") from exc
        finally:
            conn.execute("ROLLBACK")
    return float(plan.get("WAL Bytes", 0)) / int(bench["rows"])


_STATE = """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2"""


def _snapshot(env: PgProjectEnv) -> dict[str, Any]:
    schema = _workload(env)["schema"]
    tables = [
        r[0]
        for r in env.admin_rows(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r'", (schema,)
        )
    ]
    counts = {
        t: env.admin_rows(
            pgsql.SQL("SELECT count(*) FROM {}.{}").format(pgsql.Identifier(schema), pgsql.Identifier(t))
        )[0][0]
        for t in tables
    }
    indexes = env.admin_rows(
        "SELECT i.indexrelid::regclass::text, t.relname, pg_relation_size(i.indexrelid), pg_relation_size(t.oid) "
        "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE t.relnamespace = %s::regnamespace",
        (schema,),
    )
    settings = env.admin_rows(
        "SELECT count(*) FROM pg_db_role_setting s WHERE s.setdatabase IN "
        "(0, (SELECT oid FROM pg_database WHERE datname = current_database()))"
    )[0][0]
    relations = env.admin_rows(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind NOT IN ('i', 'I', 't') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2"
    )
    return {
        "columns": env.admin_rows(_STATE, (schema,)),
        "counts": counts,
        "indexes": indexes,
        "settings": settings,
        "relations": relations,
        "behaviour": env.admin_rows(_BEHAVIOUR, (schema,) * 4),
    }


# What changes the tables' behaviour beyond indexes and statistics: a rule or a trigger can make
# the ingestion batch write nothing (and so no WAL), a policy or a default changes what is stored.
_BEHAVIOUR = """SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal
                UNION ALL SELECT 'rule ' || r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
                WHERE c.relnamespace = %s::regnamespace AND r.rulename <> '_RETURN'
                UNION ALL SELECT 'policy ' || p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                WHERE c.relnamespace = %s::regnamespace
                UNION ALL SELECT 'row security on ' || c.relname FROM pg_class c
                WHERE c.relnamespace = %s::regnamespace AND (c.relrowsecurity OR c.relforcerowsecurity)
                ORDER BY 1"""


def _baseline(env: PgProjectEnv) -> dict[str, Any]:
    """The original queries' results, the write cost and the schema, before the learner's migration."""
    if "baseline" not in env.memo:
        workload = _workload(env)
        originals = env.spec.root / workload["originals"]
        expected: dict[str, list[tuple[dict[str, str], QueryRun]]] = {}
        for query in [*workload["queries"], workload["page"]]:
            text = (originals / f"{query}.sql").read_text(encoding="utf-8")
            expected[query] = [(v, run_platform_query(env, text, v)) for v in _params(env, query)]
        env.memo["baseline"] = {"expected": expected, "wal": _wal_per_row(env), "state": _snapshot(env)}
    return env.memo["baseline"]


def _migrated(env: PgProjectEnv, handin: dict[str, bytes]) -> dict[str, Any]:
    """Apply migration.sql once (after the baseline), as the owner in autocommit, then VACUUM ANALYZE."""
    baseline = _baseline(env)
    if "migrated" not in env.memo:
        outcome = env.run_file("migration.sql", text_of(handin, "migration.sql") or "", timeout_ms=180_000)
        env.vacuum()
        after = _snapshot(env)
        before = baseline["state"]
        tampered = []
        if after["columns"] != before["columns"]:
            tampered.append("column types changed")
        if after["counts"] != before["counts"]:
            tampered.append(f"row counts changed ({before['counts']} before, {after['counts']} after)")
        added = sorted(
            f"{n}.{r}" for n, r, _ in set(map(tuple, after["relations"])) - set(map(tuple, before["relations"]))
        )
        if added:
            tampered.append(
                f"new tables or views were created ({', '.join(added[:3])}); only indexes and statistics may be"
            )
        if after["settings"] != before["settings"]:
            tampered.append("database or role settings were changed (ALTER DATABASE/ROLE ... SET)")
        made = sorted(set(map(tuple, after["behaviour"])) - set(map(tuple, before["behaviour"])))
        behaviour_changed = bool(made)
        if made:
            tampered.append(
                f"triggers, rules or row security were added ({', '.join(m[0] for m in made[:3])}); "
                "they change what a write does"
            )
        env.memo["migrated"] = {
            "outcome": outcome,
            "tampered": tampered,
            "state": after,
            "behaviour_changed": behaviour_changed,
        }
    return env.memo["migrated"]


def _migration_note(migrated: dict[str, Any]) -> str:
    outcome = migrated["outcome"]
    return "" if outcome.ok else f" (migration.sql stopped: {outcome.describe('migration.sql')})"


def _query_right(env: PgProjectEnv, handin: dict[str, bytes], query: str) -> str:
    """'' when the learner's query returns the original's result for every parameter set."""
    if "right" not in env.memo:
        env.memo["right"] = {}
    if query not in env.memo["right"]:
        text = text_of(handin, _query_file(query))
        order_by = _workload(env).get("order_by", {}).get(query, [])
        problem = "the file is missing" if text is None else _single_query_problem(text)
        for variables, expected in _baseline(env)["expected"][query] if text is not None and not problem else []:
            problem = compare_results(expected, run_learner_query(env, text, variables), order_by)
            if problem:
                problem += f" (with {', '.join(f'{k}={v}' for k, v in variables.items())})" if variables else ""
                break
        env.memo["right"][query] = problem
    return env.memo["right"][query]


def _single_query_problem(text: str) -> str:
    """A query file is the one statement the application runs: no SET before it, no set_config in it."""
    try:
        statements = split_statements(text)
    except ScriptError as exc:
        return f"it does not parse: {exc.message}"
    if len(statements) != 1:
        return f"it must be exactly one statement (the query the application runs), it has {len(statements)}"
    if "set_config" in text.lower():
        return "it changes a setting (set_config); the brief allows indexes, statistics and rewrites only"
    return ""


def check_results_unchanged(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    migrated = _migrated(env, handin)
    if migrated["tampered"]:
        return Award(
            0,
            "The data or the server's behaviour was changed, which the brief forbids: "
            + "; ".join(migrated["tampered"])
            + ". Add indexes and statistics only.",
        )
    workload = _workload(env)
    queries = [*workload["queries"], workload["page"]]
    problems = {q: _query_right(env, handin, q) for q in queries}
    wrong = {q: p for q, p in problems.items() if p}
    details = {q: p or "same result" for q, p in problems.items()}
    if not wrong:
        return Award(
            criterion.points,
            f"All {len(queries)} queries return the original's result for every parameter "
            "set, in the same order." + _migration_note(migrated),
            details,
        )
    first = next(iter(wrong.items()))
    return Award(
        round(criterion.points * (len(queries) - len(wrong)) / len(queries), 2),
        f"{len(wrong)} of {len(queries)} queries differ from the original: {first[0]}: {first[1]}. A rewrite "
        "must return the same rows in the same order for every parameter value." + _migration_note(migrated),
        details,
    )


def _buffers(plan: dict[str, Any]) -> int:
    top = plan["Plan"]
    return int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))


def check_performance(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    migrated = _migrated(env, handin)
    if migrated["tampered"]:
        return Award(
            0,
            "No speed points: the migration did more than add indexes and statistics ("
            + "; ".join(migrated["tampered"])
            + ").",
        )
    workload, options = _workload(env), criterion.options
    targets: dict[str, int] = options["buffer_targets"]
    no_seq = options.get("no_seq_scan", {})
    per_query = float(options.get("points_per_query", 3))
    earned, notes, details = 0.0, [], {}
    for query in [*workload["queries"], workload["page"]]:
        is_page = query == workload["page"]
        worth = float(options.get("page_points", 6)) if is_page else per_query
        wrong = _query_right(env, handin, query)
        if wrong:
            notes.append(f"{query} earns no speed points: its result differs from the original")
            details[query] = "wrong result"
            continue
        text = text_of(handin, _query_file(query)) or ""
        if is_page:
            try:
                statements = len(split_statements(text))
            except ScriptError:
                statements = 0
            if statements != 1:
                notes.append(f"{query} must be one statement, it has {statements}")
                details[query] = f"{statements} statements"
                continue
        worst: dict[str, Any] = {}
        for variables in _params(env, query, "speed_params"):
            explain_analyze(env, text, variables)  # warm the cache, as the brief asks
            plan, error = explain_analyze(env, text, variables)
            if plan is None:
                worst = {"error": error}
                break
            seq = sorted(
                {n.get("Relation Name", "?") for n in plan_nodes(plan["Plan"]) if n["Node Type"] == "Seq Scan"}
            )
            used, took = _buffers(plan), float(plan.get("Execution Time", 0.0))
            if is_page:  # wall-clock is noisy on shared workers: the best of three runs counts
                for _ in range(2):
                    again, _ = explain_analyze(env, text, variables)
                    if again is not None:
                        took = min(took, float(again.get("Execution Time", took)))
            if not worst or used > worst["buffers"]:
                worst = {"buffers": used, "ms": round(took, 2), "seq": seq, "params": variables}
            worst["ms"] = max(worst["ms"], round(took, 2))
            worst["seq"] = sorted(set(worst["seq"]) | set(seq))
        details[query] = worst
        if "error" in worst:
            notes.append(f"{query} could not be explained: {worst['error']}")
            continue
        problems = []
        if worst["buffers"] > targets[query]:
            problems.append(f"touched {worst['buffers']} shared buffers, target {targets[query]}")
        banned = [t for t in no_seq.get(query, []) if t in worst["seq"]]
        if banned:
            problems.append(f"scans {', '.join(banned)} sequentially")
        if is_page and worst["ms"] > float(options.get("page_max_ms", 50)):
            problems.append(f"took {worst['ms']:.1f} ms, above {options.get('page_max_ms', 50)} ms")
        if problems:
            notes.append(f"{query} " + " and ".join(problems))
        else:
            earned += worth
    if not notes:
        return Award(
            criterion.points,
            "Every query is under its buffer target, Q1–Q3 read the events table through "
            "indexes and the page query is one statement well under its time limit." + _migration_note(migrated),
            details,
        )
    possible = per_query * len(workload["queries"]) + float(options.get("page_points", 6))
    advice = (
        " Compare the plan's Buffers lines before and after: the target needs an index that reaches the rows directly."
        if any("buffers" in note or "sequentially" in note for note in notes)
        else ""
    )
    return Award(
        round(criterion.points * earned / possible, 2),
        "; ".join(notes[:4]) + "." + advice + _migration_note(migrated),
        details,
    )


def check_budget(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    baseline, migrated = _baseline(env), _migrated(env, handin)
    options = criterion.options
    share = float(options.get("max_index_share", 0.35))
    growth = float(options.get("max_wal_growth", 0.5))
    known = {row[0] for row in baseline["state"]["indexes"]}
    added: dict[str, list[int]] = {}
    for name, table, size, table_size in migrated["state"]["indexes"]:
        if name not in known:
            added.setdefault(table, [0, table_size])[0] += size
    details: dict[str, Any] = {
        t: {"new_index_bytes": s, "table_bytes": ts, "share": round(s / max(ts, 1), 3)} for t, (s, ts) in added.items()
    }
    notes, earned = [], 0
    over = [t for t, (s, ts) in added.items() if s > share * ts]
    if over:
        parts = [f"{t} {added[t][0] / max(added[t][1], 1):.0%}" for t in over]
        notes.append(f"new indexes must stay under {share:.0%} of their table's size; they are at {', '.join(parts)}")
    else:
        earned += 5
    before, after = baseline["wal"], None
    try:
        after = _wal_per_row(env, learner_made=True)
    except IngestFailed as exc:
        notes.append(f"the ingestion batch failed on your tables after the migration ({exc})")
    details["wal_bytes_per_row"] = {"before": round(before, 1), "after": None if after is None else round(after, 1)}
    if after is None:
        pass  # said above
    elif migrated["behaviour_changed"]:  # a rule or trigger that swallows the batch writes no WAL at all
        notes.append("the write cost is not measured on tables whose behaviour the migration changed")
    elif after > before * (1 + growth):
        notes.append(
            f"the ingestion batch must write less than {growth:.0%} more WAL per event than before your "
            f"migration; it went from {before:.0f} to {after:.0f} bytes per row (+{after / before - 1:.0%})"
        )
    else:
        earned += 5
    if not notes:
        return Award(
            criterion.points,
            f"New indexes stay under {share:.0%} of their tables and the ingestion batch "
            f"writes {after / before - 1:+.0%} WAL per event." + _migration_note(migrated),
            details,
        )
    return Award(
        round(criterion.points * earned / 10, 2),
        "; ".join(notes) + ". Drop the indexes no target needs "
        "(pg_relation_size shows each one's size)." + _migration_note(migrated),
        details,
    )


_ON = re.compile(r"\bon\s+(?:\w+\.)?(\w+)", re.IGNORECASE)


def _plan_file_problem(
    env: PgProjectEnv, name: str, text: str | None, query_text: str, variables: dict[str, str]
) -> str:
    if text is None:
        return f"{name} is missing"
    if "actual time=" not in text and "actual rows=" not in text:
        return f"{name} is not EXPLAIN ANALYZE output (no 'actual' figures)"
    if "Buffers: shared" not in text:
        return f"{name} has no 'Buffers: shared' lines: capture it with EXPLAIN (ANALYZE, BUFFERS, SETTINGS)"
    if "Execution Time" not in text:
        return f"{name} lacks the 'Execution Time' line: paste the whole output"
    plan, _ = explain_analyze(env, query_text, variables, analyze=False)  # which tables, not how fast
    if plan is None:
        return ""  # the query itself is judged elsewhere
    wanted = {n["Relation Name"] for n in plan_nodes(plan["Plan"]) if "Relation Name" in n}
    seen = {m.group(1) for m in _ON.finditer(text)}
    missing = sorted(wanted - seen)
    if missing:
        return f"{name} does not match its query: the query reads {', '.join(missing)}, the plan never mentions it"
    return ""


def check_plans_captured(env: PgProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    _migrated(env, handin)
    workload = _workload(env)
    originals = env.spec.root / workload["originals"]
    problems, total = [], 0
    for query in workload["queries"]:
        for stage in ("before", "after"):
            total += 1
            name = f"plans/{query}-{stage}.txt"
            source = (
                (originals / f"{query}.sql").read_text(encoding="utf-8")
                if stage == "before"
                else (text_of(handin, _query_file(query)) or "")
            )
            problem = _plan_file_problem(env, name, text_of(handin, name), source, _params(env, query)[0])
            if problem:
                problems.append(problem)
    if not problems:
        return Award(
            criterion.points,
            f"All {total} plans are present, are EXPLAIN (ANALYZE, BUFFERS) output and match their queries.",
            {},
        )
    return Award(
        round(criterion.points * (total - len(problems)) / total, 2),
        f"{len(problems)} of {total} plan files fall short; first: {problems[0]}.",
        {"problems": problems},
    )
