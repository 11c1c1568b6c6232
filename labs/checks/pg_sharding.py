"""``sharding`` for Postgres: judge a table spread over shard servers (topology ``shards``).

[[checks]]
type = "sharding"
expect = "all_rows"             # the sharded table holds every source row, and they live on the shards
table = "orders"

[[checks]]
type = "sharding"
expect = "balanced"             # no shard holds much more than its share
table = "orders"
max_skew = 1.5                  # the largest shard may hold at most 1.5 × the mean

[[checks]]
type = "sharding"
expect = "single_shard_lookup"  # a lookup by the shard key reads one shard after partition pruning
table = "orders"
query = "SELECT * FROM orders WHERE customer_id = 42"
"""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
from psycopg import sql

from labs.result import CheckResult
from labs.sandbox.pg_cluster import OperationalAttempt
from labs.spec import CheckSpec

EXPECTATIONS = ("all_rows", "balanced", "single_shard_lookup")
FOREIGN_SCANS = ("Foreign Scan", "Async Foreign Scan")


def check(attempt: OperationalAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    expect = params.get("expect")
    if expect not in EXPECTATIONS or "table" not in params:
        raise ValueError(
            f'lab {attempt.spec.id}: checks[{check_spec.index}] needs table = "…" and expect = one of '
            f"{', '.join(EXPECTATIONS)}, got expect = {expect!r}"
        )
    table = params["table"]
    info = attempt.notes.get("sharded", {}).get(table)
    if info is None:
        return _result(
            check_spec,
            False,
            f"{table} was never sharded: the runbook does not run create_sharded_table {table}.",
            f"Start with create_sharded_table {table} by hash(<column>), then attach_shard and copy_rows.",
        )
    function = {
        "all_rows": check_all_rows,
        "balanced": check_balanced,
        "single_shard_lookup": check_single_shard_lookup,
    }[expect]
    return function(attempt, check_spec, table, info)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def shard_counts(attempt: OperationalAttempt, table: str, info: dict[str, Any]) -> dict[str, int]:
    """Rows each shard server really stores, read on the shard itself (0 for a shard without a partition)."""
    counts = {role: 0 for role in attempt.shard_roles()}
    for part in info["partitions"]:  # a shard may hold several partitions: add them up
        with attempt.connect(f"shard{part['shard']}") as conn:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(part["remote_table"]))
            counts[f"shard{part['shard']}"] += conn.execute(query).fetchone()[0]
    return counts


def check_all_rows(attempt: OperationalAttempt, check_spec: CheckSpec, table: str, info: dict[str, Any]) -> CheckResult:
    expected = info["source_rows"]
    with attempt.connect("coordinator") as conn:
        seen = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    counts = shard_counts(attempt, table, info)
    stored = sum(counts.values())
    spread = ", ".join(f"{role} {n}" for role, n in counts.items())
    if seen == expected and stored == expected:
        return _result(
            check_spec,
            True,
            f"{table} holds all {expected} rows of the original table, stored on the shards ({spread}).",
            counts=counts,
        )
    if seen < expected:
        return _result(
            check_spec,
            False,
            f"{table} on the coordinator shows {seen} of the {expected} rows of the original table ({spread}).",
            f"End the runbook with copy_rows {table}, after attaching every shard.",
            counts=counts,
        )
    return _result(
        check_spec,
        False,
        f"{table} shows {seen} rows and the shards store {stored}; the original table "
        f"had {expected}: some rows were copied twice.",
        f"Run copy_rows {table} once.",
        counts=counts,
    )


def check_balanced(attempt: OperationalAttempt, check_spec: CheckSpec, table: str, info: dict[str, Any]) -> CheckResult:
    limit = float(check_spec.params.get("max_skew", 1.5))
    counts = shard_counts(attempt, table, info)
    total = sum(counts.values())
    spread = ", ".join(f"{role} {n}" for role, n in counts.items())
    if total == 0:
        return _result(
            check_spec,
            False,
            f"The shards store no row of {table} ({spread}), so there is nothing to balance.",
            f"copy_rows {table} after attaching the shards.",
            counts=counts,
        )
    mean = total / len(counts)
    largest_role = max(counts, key=counts.__getitem__)
    skew = counts[largest_role] / mean
    artifacts = {"counts": counts, "skew": round(skew, 3), "max_skew": limit}
    if skew <= limit:
        return _result(
            check_spec,
            True,
            f"Rows of {table} are spread evenly: {spread} (the largest shard holds "
            f"{skew:.2f}× the mean; allowed {limit:g}×).",
            **artifacts,
        )
    key = f"{info['method']}({info['column']})"
    return _result(
        check_spec,
        False,
        f"Rows of {table} are skewed: {spread}. {largest_role} holds {skew:.2f}× the "
        f"mean of {mean:.0f} rows; allowed {limit:g}×. Partitioned by {key}.",
        "Hash a shard key with many, evenly used values, or choose range bounds that cut the rows into "
        "equal parts, and give every shard a partition.",
        **artifacts,
    )


def foreign_scans(plan: dict[str, Any]) -> list[str]:
    """Relations read by foreign scans anywhere in an EXPLAIN (FORMAT JSON) plan."""
    found = []
    if plan.get("Node Type") in FOREIGN_SCANS:
        found.append(plan.get("Relation Name", "?"))
    for child in plan.get("Plans", []):
        found.extend(foreign_scans(child))
    return found


def check_single_shard_lookup(
    attempt: OperationalAttempt, check_spec: CheckSpec, table: str, info: dict[str, Any]
) -> CheckResult:
    query = check_spec.params["query"]
    with attempt.connect("coordinator") as conn:
        try:
            raw = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(sql.SQL(query))).fetchone()[0]
        except psycopg.Error as exc:
            return _result(
                check_spec,
                False,
                f"The lookup `{query}` fails on the coordinator: {str(exc).strip()}.",
                f"Keep {table}'s columns as they were: create_sharded_table copies them.",
            )
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    scans = foreign_scans(plan)
    key = f"{info['method']}({info['column']})"
    # Judged by the shard servers the plan reads, not by its partitions: two partitions that
    # live on one shard are still one server to ask.
    server_of = {part["foreign_table"]: f"shard{part['shard']}" for part in info["partitions"]}
    servers = sorted({server_of.get(scan, scan) for scan in scans})
    artifacts = {"plan": plan, "foreign_scans": scans, "shards_read": servers}
    if len(servers) == 1:
        return _result(
            check_spec,
            True,
            f"`{query}` reads one shard ({servers[0]}, via {', '.join(scans)}): partition pruning on {key} "
            "skips the others.",
            **artifacts,
        )
    if not scans:
        return _result(
            check_spec,
            False,
            f"`{query}` reads no shard at all: the plan has no foreign scan, so {table}'s rows are not on the shards.",
            f"Attach shards with attach_shard and copy_rows {table}.",
            **artifacts,
        )
    filters_on_key = re.search(rf"\b{re.escape(info['column'])}\b", query) is not None
    why = (
        "the planner cannot prune shards with this filter"
        if filters_on_key
        else "the lookup does not filter on that column, so the coordinator cannot prune any shard"
    )
    return _result(
        check_spec,
        False,
        f"`{query}` reads {len(servers)} shards ({', '.join(servers)}); expected 1. "
        f"{table} is partitioned by {key}: {why}.",
        "Shard by the column the lookups filter on, so one key's rows all live on one shard.",
        **artifacts,
    )
