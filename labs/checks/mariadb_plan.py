"""The ``plan`` check on MariaDB: ``EXPLAIN FORMAT=JSON`` of the lab's query after the answer.

Parameters::

    query = "SELECT …"                 # the query whose plan is judged (required)
    table = "orders"                   # the table the rules below are about (required)
    access = ["ref", "range"]          # allowed access types ("ALL" is a full scan)
    key = "PRIMARY"                    # the index that must be used; "any" (default when
                                       # access is given) = some index, "secondary" = not PRIMARY
    covering = true                    # "using_index": read from the index alone
    forbid_filesort = true             # ORDER BY served by the index, no sort step
    max_rows = 200                     # the optimizer's estimate of rows read from ``table``
    hint = "..."

The plan is read as the MariaDB server writes it (``query_block`` → ``nested_loop`` →
``table``, wrapped by ``filesort`` / ``temporary_table`` when it sorts or groups), so an
answer is judged by what the server will do, whatever index or key layout produced it.
"""

from __future__ import annotations

import json
from typing import Any

import pymysql

from labs.checks.mariadb_result import sql_error_result
from labs.engines.mariadb.attempt import VISIBLE, LearnerSqlError, MariaAttempt
from labs.result import CheckResult
from labs.spec import CheckSpec

KNOWN_PARAMS = frozenset({"query", "table", "access", "key", "covering", "forbid_filesort", "max_rows", "hint"})


def check(attempt: MariaAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    lab_hint = str(params.get("hint", ""))
    query = str(params["query"])
    table = str(params["table"])
    outcome = attempt.apply_answer(VISIBLE)
    if not outcome.ok:
        return sql_error_result(outcome.error, lab_hint, "plan")  # type: ignore[arg-type]
    try:
        plan = explain(attempt, query)
    except LearnerSqlError as exc:
        return sql_error_result(exc, lab_hint, "plan")
    artifacts = {"plan": plan}
    nodes = [n for n in table_nodes(plan) if n.get("table_name") == table]
    if not nodes:
        return CheckResult(
            "plan", False, f"The plan of the lab's query does not read table {table!r} at all; did the table change?",
            lab_hint, artifacts=artifacts,
        )  # fmt: skip
    node = nodes[0]
    problems = judge(node, plan, params)
    seen = describe(node, plan)
    if problems:
        return CheckResult(
            "plan", False, f"The plan reads {table} {seen}, but {'; and '.join(problems)}.", lab_hint,
            artifacts=artifacts,
        )  # fmt: skip
    return CheckResult("plan", True, f"The plan reads {table} {seen}.", artifacts=artifacts)


def explain(attempt: MariaAttempt, query: str) -> dict[str, Any]:
    """EXPLAIN FORMAT=JSON of ``query`` in the attempt's database, as the learner (EXPLAIN
    runs nothing, but a learner view in the query would be expanded as its definer)."""
    conn = attempt.learner(VISIBLE)
    with attempt.learner_call(), conn.cursor() as cur:
        cur.execute("EXPLAIN FORMAT=JSON " + query)
        row = cur.fetchone()
    try:
        return json.loads(row[0])
    except (TypeError, ValueError, pymysql.MySQLError) as exc:
        raise LearnerSqlError(f"The server's plan could not be read ({exc}).") from exc


def table_nodes(node: Any) -> list[dict[str, Any]]:
    """Every ``table`` object of the plan, outermost first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "table" and isinstance(value, dict):
                found.append(value)
            found.extend(table_nodes(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(table_nodes(item))
    return found


def has_filesort(node: Any) -> bool:
    if isinstance(node, dict):
        return "filesort" in node or "read_sorted_file" in node or any(has_filesort(v) for v in node.values())
    if isinstance(node, list):
        return any(has_filesort(v) for v in node)
    return False


def judge(node: dict[str, Any], plan: dict[str, Any], params: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    access = node.get("access_type", "?")
    key = node.get("key")
    allowed = params.get("access")
    if allowed and access not in allowed:
        problems.append(f"the lab needs access {' or '.join(map(repr, allowed))} (an index lookup), not {access!r}"
                        + (" (a full table scan)" if access == "ALL" else "")
                        + (" (a full scan of an index)" if access == "index" else ""))  # fmt: skip
    wanted_key = params.get("key", "any" if allowed else None)
    if wanted_key == "any" and not key:
        problems.append("it uses no index")
    elif wanted_key == "secondary" and (not key or key == "PRIMARY"):
        problems.append("the lab needs a secondary index here, not " + (repr(key) if key else "no index"))
    elif wanted_key not in (None, "any", "secondary") and key != wanted_key:
        problems.append(f"the lab needs the {wanted_key} index here, not {key or 'no index'}")
    if params.get("covering") and not node.get("using_index"):
        problems.append(
            "it still reads the rows from the clustered index (no \"using_index\"): the index lacks a column the "
            "query selects, filters or groups on"
        )
    if params.get("forbid_filesort") and has_filesort(plan):
        problems.append("it sorts the rows after reading them (filesort): the index does not deliver them in order")
    max_rows = params.get("max_rows")
    rows = node.get("rows")
    if max_rows is not None and isinstance(rows, (int, float)) and rows > max_rows:
        problems.append(f"it expects to read {rows:g} rows where at most {max_rows} are needed")
    return problems


def describe(node: dict[str, Any], plan: dict[str, Any]) -> str:
    parts = [f"with access {node.get('access_type', '?')!r}"]
    parts.append(f"through index {node['key']!r}" if node.get("key") else "through no index")
    if node.get("rows") is not None:
        parts.append(f"about {node['rows']} rows")
    if node.get("using_index"):
        parts.append("from the index alone")
    if has_filesort(plan):
        parts.append("then a filesort")
    return ", ".join(parts)
