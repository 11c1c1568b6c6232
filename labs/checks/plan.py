"""The ``plan`` check: how Postgres runs a query after the learner's DDL.

The learner's answer (CREATE INDEX …) runs first as a script, then ANALYZE, then
``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` of the target query. Parameters::

    query = "SELECT * FROM orders WHERE customer_id = 42"   # without it, the answer is the query
    forbid = [{ node = "Seq Scan", relation = "orders" }]     # node types that must not appear
    require_node = { node = "Index Only Scan", relation = "orders" }   # or a list of them
    require_index = "orders"          # some index scan (plain, only, bitmap) on this table (or a list)
    max_shared_buffers = 100          # shared hit + read of the whole query
    max_rows_removed_by_filter = 1000 # per node, over all loops
    compare_reference = true          # buffers at most buffers_factor × the reference's
    buffers_factor = 2.0
    script = true                     # without query: the answer's statements run first as a
                                      # script (CREATE INDEX …; SELECT …), then its last is explained
    analyze = false                   # the grader does not refresh statistics (statistics exercises)
    allow_data_changes = true         # the answer may load rows (a bulk-load exercise; a result
                                      # check then proves the rows are right)
    estimate = { relation = "addresses", factor = 3 }   # scans of it: estimated rows within factor
                                      # of the actual rows (per loop), either way; or a list
    max_heap_fetches = 0              # Heap Fetches of index-only scans, over all loops
    max_temp_blocks = 0               # temp blocks read + written (a Sort or Hash that spilled)
    max_new_index_kb = { relation = "readings", kb = 256 }   # indexes the answer built on it, in total
    hint = "..."

Artifacts: ``plan`` (the EXPLAIN JSON), ``failed_node`` (a list of child indexes from the
top plan node down to the offending node: [] is the top node, [0, 1] its first child's
second child), ``buffers``, ``reference_buffers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from labs.checks.pg_common import answer_failed, sql_error_result
from labs.checks.pg_guard import data_changes
from labs.result import CheckResult
from labs.sandbox.pg_sql import Statement, split_statements
from labs.sandbox.postgres import (
    VISIBLE,
    LearnerSqlError,
    PgAttempt,
    ensure_lab_database,
    restore_learner_settings,
)
from labs.spec import CheckSpec

INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
SLACK_BUFFERS = 8  # a few buffers of noise (catalog lookups, visibility map) are not a worse plan


def check(attempt: PgAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    lab_hint = str(params.get("hint", ""))
    query = params.get("query")
    if query is not None or params.get("script"):
        outcome = attempt.apply_answer(VISIBLE)
        if not outcome.ok:
            return answer_failed(outcome, lab_hint, "plan")
    if query is not None:
        target = split_statements(query)
    else:
        target = attempt.statements
        if not target:
            return CheckResult("plan", False, "The answer is empty: there is no query to explain.", lab_hint)
    changed = None if params.get("allow_data_changes") else _changed_data(attempt)
    if changed:
        return CheckResult(
            "plan",
            False,
            f"The lab's data changed, so this plan proves nothing: after your answer {changed}. "
            "A plan is judged on the lab's own rows, because with fewer rows any plan looks fast.",
            "Answer with CREATE INDEX (and ANALYZE) only: do not delete, insert or update rows of the lab's tables.",
        )
    try:
        _prepare_planner(attempt, analyze=bool(params.get("analyze", True)))
        # a fresh session: planner settings the answer SET in its own session do not count
        with attempt.connect_learner(attempt.database(VISIBLE)) as conn:
            plan = explain(attempt, target[-1], conn)
    except LearnerSqlError as exc:
        return sql_error_result(exc, lab_hint, "plan")
    index_tables = _index_tables(attempt)
    root = plan[0]["Plan"]
    buffers = _buffers(root)
    artifacts: dict[str, Any] = {"plan": plan, "buffers": buffers, "execution_ms": plan[0].get("Execution Time")}
    failures: list[tuple[str, list[int] | None]] = []

    for rule in _as_list(params.get("forbid")):
        for path, node in walk(root):
            if _matches(node, rule, index_tables):
                failures.append((_forbidden_message(node, rule), path))
                break
    for rule in _as_list(params.get("require_node")):
        if not any(_matches(node, rule, index_tables) for _, node in walk(root)):
            failures.append((f"The plan has no {_describe(rule)}; {_summary(root)}.", None))
    for table in _as_list(params.get("require_index")):
        wanted = table if isinstance(table, dict) else {"relation": table}
        if not any(
            node.get("Node Type") in INDEX_NODES and _relation_matches(node, wanted["relation"], index_tables)
            for _, node in walk(root)
        ):
            scan = next((p for p, n in walk(root) if _relation_matches(n, wanted["relation"], index_tables)), None)
            failures.append((f"The plan reads {wanted['relation']} without any index; {_summary(root)}.", scan))
    limit = params.get("max_shared_buffers")
    if limit is not None and buffers > int(limit):
        failures.append(
            (f"The query touched {buffers} shared buffers (8 kB pages); the lab allows at most {int(limit)}.", [])
        )
    limit = params.get("max_rows_removed_by_filter")
    if limit is not None:
        for path, node in walk(root):
            removed = _rows_removed(node)
            if removed > int(limit):
                failures.append(
                    (
                        f"{_node_name(node)} read and then discarded {removed:,} rows with its filter "
                        f"(at most {int(limit):,} allowed).",
                        path,
                    )
                )
                break
    failures += _estimate_failures(root, _as_list(params.get("estimate")), index_tables)
    limit = params.get("max_heap_fetches")
    if limit is not None:
        for path, node in walk(root):
            # as EXPLAIN prints it (whether per loop or in total has varied between versions)
            fetches = int(node.get("Heap Fetches", 0))
            if fetches > int(limit):
                failures.append(
                    (
                        f"{_node_name(node)} still checked rows in the table (Heap Fetches: {fetches:,}; at most "
                        f"{int(limit):,} allowed): their pages are not marked all-visible in the visibility map.",
                        path,
                    )
                )
                break
    limit = params.get("max_temp_blocks")
    if limit is not None:
        temp = int(root.get("Temp Read Blocks", 0)) + int(root.get("Temp Written Blocks", 0))
        artifacts["temp_blocks"] = temp
        if temp > int(limit):
            spilled = next((p for p, n in walk(root) if _spilled(n)), [])
            failures.append(
                (
                    f"The query wrote and read {temp:,} temporary blocks (a Sort or Hash that did not fit in "
                    f"work_mem spilled to disk); at most {int(limit):,} allowed.",
                    spilled,
                )
            )
    for budget in _as_list(params.get("max_new_index_kb")):
        size_kb = _new_index_kb(attempt, str(budget["relation"]))
        artifacts.setdefault("new_index_kb", {})[budget["relation"]] = size_kb
        if size_kb > float(budget["kb"]):
            failures.append(
                (
                    f"The indexes your answer built on {budget['relation']} take {size_kb:,.0f} kB; "
                    f"the budget is {float(budget['kb']):,.0f} kB.",
                    None,
                )
            )
    if params.get("compare_reference"):
        factor = float(params.get("buffers_factor", 2.0))
        reference = reference_buffers(attempt, query)
        artifacts["reference_buffers"] = reference
        if buffers > factor * reference + SLACK_BUFFERS:
            failures.append(
                (
                    f"The query touched {buffers} shared buffers; the reference solution needs {reference} "
                    f"(at most {factor:g}× that is accepted).",
                    [],
                )
            )

    if failures:
        message, path = failures[0]
        if path is not None:
            artifacts["failed_node"] = path
        if len(failures) > 1:
            message += " Also: " + " ".join(m for m, _ in failures[1:])
        hint = lab_hint or (
            "Create an index on the column(s) the query filters or joins on, then compare the plans "
            "with EXPLAIN (ANALYZE, BUFFERS) before and after."
        )
        return CheckResult("plan", False, message, hint, artifacts=artifacts)
    return CheckResult("plan", True, f"The plan is efficient: {_summary(root)}.", artifacts=artifacts)


def explain(attempt: PgAttempt, statement: Statement, conn) -> list[dict[str, Any]]:
    """EXPLAIN ANALYZE one statement as the learner, inside a transaction that is rolled back
    (EXPLAIN ANALYZE really executes it)."""
    explained = Statement(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement.text}", statement.code, None, statement.index
    )
    with attempt.learner_call(statement), conn.transaction(force_rollback=True):
        cur = attempt.execute_statement(conn, explained)
        return cur.fetchone()[0]


def _changed_data(attempt: PgAttempt) -> str | None:
    """What the answer changed in the lab's tables (once per attempt: plan checks share it)."""
    if "data_changes" not in attempt.notes:
        attempt.notes["data_changes"] = data_changes(attempt, VISIBLE)
    return attempt.notes["data_changes"]


def _prepare_planner(attempt: PgAttempt, *, analyze: bool = True) -> None:
    """Fresh statistics after the learner's DDL, so the planner sees their new index, and no
    role-level planner settings (ALTER ROLE learner SET enable_seqscan = off would fake a plan).
    ``analyze=False`` keeps the statistics the answer left (exercises about stale statistics)."""
    with attempt.platform_work():
        restore_learner_settings(attempt.instance)
        # once per attempt: a lab with several plan checks explains after the same DDL
        if analyze and not attempt.readonly and not attempt.notes.get("analyzed"):
            with attempt.connect_admin(VISIBLE) as conn:
                conn.execute("ANALYZE")
            attempt.notes["analyzed"] = True


def reference_buffers(attempt: PgAttempt, query: str | None) -> int:
    def compute() -> int:
        database = attempt.scratch_database(VISIBLE)
        with attempt.connect_learner(database, platform=True) as conn:
            statements = split_statements(attempt.solution)
            if query is not None:
                outcome = attempt.run_script(statements, VISIBLE, conn=conn)
                if not outcome.ok:
                    raise outcome.error
                statements = split_statements(query)
            with attempt.connect_admin(database=database) as admin:
                admin.execute("ANALYZE")
            return _buffers(explain(attempt, statements[-1], conn)[0]["Plan"])

    return attempt.reference(("plan-buffers", query), compute)


def _estimate_failures(
    root: dict[str, Any], rules: list[dict[str, Any]], index_tables: dict[str, str]
) -> list[tuple[str, list[int] | None]]:
    """Scans of each rule's relation whose row estimate is off by more than its factor."""
    failures: list[tuple[str, list[int] | None]] = []
    for rule in rules:
        factor = float(rule.get("factor", 2.0))
        scans = [(p, n) for p, n in walk(root) if "Scan" in n.get("Node Type", "") and n.get("Relation Name")]
        scans = [(p, n) for p, n in scans if _relation_matches(n, str(rule["relation"]), index_tables)]
        if not scans:
            failures.append((f"The plan does not read {rule['relation']} at all; {_summary(root)}.", None))
        for path, node in scans:
            if not node.get("Actual Loops"):
                continue  # never executed (a branch below a LIMIT that stopped first): no actual rows to compare
            estimated, actual = float(node.get("Plan Rows", 0)), float(node.get("Actual Rows", 0))
            off = max(estimated, actual) / max(min(estimated, actual), 1.0)
            if off > factor:
                failures.append(
                    (
                        f"{_node_name(node)} was estimated at {estimated:,.0f} rows but returned {actual:,.0f} "
                        f"(off by a factor of {off:,.1f}; at most {factor:g} accepted). "
                        "The statistics the planner used do not describe these rows.",
                        path,
                    )
                )
                break
    return failures


def _spilled(node: dict[str, Any]) -> bool:
    """Did this node itself spill? (Temp counters are cumulative, so the top node always has them;
    a Sort or Hash that wrote temp blocks, or a hash split into batches, is the one to point at.)"""
    if node.get("Node Type") not in ("Sort", "Incremental Sort", "Hash", "HashAggregate", "Materialize"):
        return False
    return bool(node.get("Temp Written Blocks")) or int(node.get("Hash Batches", 1) or 1) > 1


def _new_index_kb(attempt: PgAttempt, relation: str) -> float:
    """kB of the indexes on ``relation`` that the lab's template does not have (the answer's)."""
    sql = (
        "SELECT i.relname, pg_catalog.pg_relation_size(i.oid) FROM pg_catalog.pg_index x "
        "JOIN pg_catalog.pg_class i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid "
        "JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) x.indrelid "
        "WHERE t.relname OPERATOR(pg_catalog.=) %s"
    )
    name = relation.split(".")[-1]
    with attempt.platform_work():
        template = ensure_lab_database(attempt.instance, attempt.spec, VISIBLE)
        with attempt.connect_admin(database=template) as conn:
            before = {row[0] for row in conn.execute(sql, (name,))}
        with attempt.connect_admin(VISIBLE) as conn:
            now = conn.execute(sql, (name,)).fetchall()
    return sum(size for index, size in now if index not in before) / 1024


def walk(node: dict[str, Any], path: list[int] | None = None) -> Iterator[tuple[list[int], dict[str, Any]]]:
    """Every plan node with its path of child indexes, depth first."""
    path = path or []
    yield path, node
    for i, child in enumerate(node.get("Plans", [])):
        yield from walk(child, [*path, i])


def _index_tables(attempt: PgAttempt) -> dict[str, str]:
    """index name -> table name, for nodes (Bitmap Index Scan) that only name the index."""
    with attempt.platform_work(), attempt.connect_admin(VISIBLE) as conn:
        rows = conn.execute(
            "SELECT i.relname, t.relname FROM pg_catalog.pg_index x "
            "JOIN pg_catalog.pg_class i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid "
            "JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) x.indrelid"
        ).fetchall()
    return dict(rows)


def _relation_matches(node: dict[str, Any], relation: str, index_tables: dict[str, str]) -> bool:
    name = node.get("Relation Name") or index_tables.get(node.get("Index Name", ""), "")
    return name.lower() == relation.lower().split(".")[-1]


def _matches(node: dict[str, Any], rule: dict[str, Any] | str, index_tables: dict[str, str]) -> bool:
    rule = {"node": rule} if isinstance(rule, str) else rule
    if "node" in rule and node.get("Node Type", "").lower() != str(rule["node"]).lower():
        return False
    if "relation" in rule and not _relation_matches(node, rule["relation"], index_tables):
        return False
    return not ("index" in rule and node.get("Index Name", "").lower() != str(rule["index"]).lower())


def _describe(rule: dict[str, Any] | str) -> str:
    rule = {"node": rule} if isinstance(rule, str) else rule
    text = rule.get("node", "node")
    if "relation" in rule:
        text += f" on {rule['relation']}"
    if "index" in rule:
        text += f" using {rule['index']}"
    return text


def _forbidden_message(node: dict[str, Any], rule: dict[str, Any] | str) -> str:
    text = f"The plan still uses a {_node_name(node)}"
    removed = _rows_removed(node)
    loops = node.get("Actual Loops", 1) or 1
    rows = node.get("Actual Rows", 0) * loops
    if removed:
        text += f": it read {rows + removed:,} rows and threw away {removed:,} of them"
    text += f". Expected: no {_describe(rule)}."
    return text


def _node_name(node: dict[str, Any]) -> str:
    name = node.get("Node Type", "node")
    if node.get("Relation Name"):
        name += f" on {node['Relation Name']}"
    if node.get("Index Name"):
        name += f" using {node['Index Name']}"
    return name


def _summary(root: dict[str, Any]) -> str:
    scans = [_node_name(n) for _, n in walk(root) if "Scan" in n.get("Node Type", "")]
    shown = ", ".join(scans[:4]) or root.get("Node Type", "?")
    return f"it uses {shown} and touches {_buffers(root)} buffers"


def _buffers(node: dict[str, Any]) -> int:
    # the top node's counters include its children's
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def _rows_removed(node: dict[str, Any]) -> int:
    loops = node.get("Actual Loops", 1) or 1
    per_loop = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    return int(per_loop * loops)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
