"""Cassandra data-model checks (engine ``cql-model``): does one of the learner's tables answer an
access pattern by reading a single partition? This checks the *design* (the CQL of the tables),
not a running Cassandra, and says so in every message.

lab.toml::

    [[checks]]
    type = "access_pattern"
    name = "Q1: a customer's orders, newest first, optionally within a date range"
    equals = ["customer_id"]            # columns the query gives with =
    range = "created_at"                # optional: one column restricted by <, <=, >, >=
    order = ["created_at DESC"]         # optional: the order rows must come back in
    returns = ["order_id", "total"]     # columns the table must hold
    unique = ["order_id"]               # optional: what identifies one row (must be in the key)
    bucket = ["day", "hour"]            # optional: the partition key must hold one of these
    hint = "..."

A pattern is served by a table when: every partition key column is in ``equals``; the other
``equals`` columns are the first clustering columns (in any order among themselves); ``range``
is the next clustering column; the ``order`` columns follow, all in the stored direction or all
reversed (Cassandra reads a partition backwards as cheaply); every column exists; ``unique``
is inside the primary key; and, with ``bucket``, the partition key holds a time bucket.
Secondary indexes (CREATE INDEX) never serve a pattern: the query would ask every node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labs.engines.cql_model.engine import CqlModelAttempt
from labs.engines.cql_model.schema import Table
from labs.result import CheckResult
from labs.spec import CheckSpec

KNOWN_PARAMS = {"equals", "range", "order", "returns", "unique", "bucket", "hint"}
DESIGN_ONLY = "(This checks your table design; no Cassandra server runs the query.)"


class CheckParamError(ValueError):
    """A lab author's mistake in a check's parameters: a platform fault, never the learner's."""


@dataclass(frozen=True)
class Pattern:
    equals: tuple[str, ...]
    range: str | None
    order: tuple[tuple[str, str], ...]
    returns: tuple[str, ...]
    unique: tuple[str, ...]
    bucket: tuple[str, ...]

    @classmethod
    def from_params(cls, params: dict[str, Any], where: str) -> Pattern:
        unknown = sorted(set(params) - KNOWN_PARAMS)
        if unknown:
            raise CheckParamError(f"{where}: unknown parameter(s) {', '.join(unknown)}; known: {sorted(KNOWN_PARAMS)}")

        def names(key: str) -> tuple[str, ...]:
            value = params.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CheckParamError(f"{where}.{key}: must be a list of column names")
            return tuple(v.lower() for v in value)

        order = []
        for item in names("order"):
            column, _, direction = item.partition(" ")
            direction = direction.strip().upper() or "ASC"
            if direction not in ("ASC", "DESC"):
                raise CheckParamError(f"{where}.order: {item!r} must read 'column ASC' or 'column DESC'")
            order.append((column, direction))
        if not names("equals"):
            raise CheckParamError(f"{where}.equals: a query must give at least its partition key with =")
        value = params.get("range")
        return cls(
            names("equals"), value.lower() if isinstance(value, str) else None, tuple(order), names("returns"),
            names("unique"), names("bucket"),
        )  # fmt: skip

    @property
    def columns(self) -> list[str]:
        wanted = [*self.equals, *([self.range] if self.range else []), *(c for c, _ in self.order)]
        return list(dict.fromkeys([*wanted, *self.returns, *self.unique]))


def check(attempt: CqlModelAttempt, check_spec: CheckSpec) -> CheckResult:
    where = f"{attempt.spec.root}/lab.toml checks[{check_spec.index}]"
    pattern = Pattern.from_params(check_spec.params, where)
    schema = attempt.schema
    indexed = {(t, c) for t, c in schema.indexes}
    artifacts = {"tables": [f"{t.name}: {t.describe_key()}" for t in schema.tables.values()]}
    verdicts = [(table, problems_of(table, pattern, indexed)) for table in schema.tables.values()]
    for table, problems in verdicts:
        if not problems:
            return CheckResult(
                name="", passed=True, message=f"As expected: {served_message(table, pattern)} {DESIGN_ONLY}",
                artifacts=artifacts,
            )  # fmt: skip
    # The closest table: the one whose first problem comes latest in the rules (it holds the
    # columns, then its partition key fits, ...), then the one with fewest problems.
    table, problems = min(verdicts, key=lambda v: (-stage(v[1][0][0]), len(v[1])))
    others = len(verdicts) - 1
    indexed_first = sorted(problems, key=lambda p: "CREATE INDEX" not in p[0])
    message, hint = indexed_first[0]
    more = f" No other table of yours serves it either ({others} checked)." if others else ""
    return CheckResult(
        name="", passed=False, message=f"No table serves this query with a single-partition read. Closest: "
        f"`{table.name}` ({table.describe_key()}): {message}{more} {DESIGN_ONLY}",
        hint=check_spec.params.get("hint") or hint, artifacts=artifacts,
    )  # fmt: skip


STAGES = ("it has no column", "its partition key", "the query filters on")


def stage(message: str) -> int:
    """How far down the rules a problem lies: missing columns, then the partition key, then a
    filter outside the key, then everything about clustering, order, uniqueness and buckets."""
    return next((n for n, start in enumerate(STAGES) if message.startswith(start)), len(STAGES))


def problems_of(table: Table, pattern: Pattern, indexed: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Why ``table`` cannot answer ``pattern`` from one partition: (message, hint) pairs, first first."""
    problems: list[tuple[str, str]] = []
    missing = [c for c in pattern.columns if c not in table.columns]
    if missing:
        problems.append(
            (
                f"it has no column {', '.join(missing)}.",
                "Give the table every column the query filters on, sorts by or returns, named as in the exercise.",
            )
        )
        return problems
    key = table.primary_key
    unknown_pk = [c for c in table.partition_key if c not in pattern.equals]
    if unknown_pk:
        column = unknown_pk[0]
        why = (
            f"{column} is only restricted by a range, and partition key columns accept only equality"
            if column == pattern.range
            else f"the query does not know {column}"
        )
        problems.append(
            (
                f"its partition key is ({', '.join(table.partition_key)}), but {why}; without every partition key "
                "column Cassandra cannot tell which partition to read, so the query would need ALLOW FILTERING "
                "(a scan of every partition on every node).",
                f"Put in the partition key only what the query knows by equality ({', '.join(pattern.equals)}), and "
                "move the columns it sorts or slices by into the clustering columns.",
            )
        )
    outside = [c for c in pattern.equals if c not in key]
    if outside:
        column = outside[0]
        index = f" Your CREATE INDEX on {column} does not count: a secondary-index query asks every node." if (
            table.name, column) in indexed else ""  # fmt: skip
        problems.append(
            (
                f"the query filters on {column} with =, but {column} is not part of its primary key, so the query "
                f"would need ALLOW FILTERING or a secondary index.{index}",
                f"Make {column} part of the key of the table that serves this query: in the partition key if "
                "every query gives it, or as the first clustering column.",
            )
        )
    if problems:
        return problems
    clustering = [c for c, _ in table.clustering]
    rest = [c for c in pattern.equals if c not in table.partition_key]
    k = 0
    while k < len(clustering) and clustering[k] in rest:
        k += 1
    skipped = [c for c in rest if c not in clustering[:k]]
    if skipped:
        problems.append(
            (
                f"{skipped[0]} is a clustering column, but it comes after {clustering[k]}, which the query does not "
                "restrict: clustering columns can only be restricted left to right.",
                "Order the clustering columns: those the query gives with = first, then the one it slices or sorts by.",
            )
        )
        return problems
    if pattern.range and (k >= len(clustering) or clustering[k] != pattern.range):
        where = f"its clustering column after the equality ones is {clustering[k]}" if k < len(clustering) else (
            "no clustering column follows the equality ones")  # fmt: skip
        problems.append(
            (
                f"the query slices by a range on {pattern.range}, but {where}; a range is allowed only on the next "
                "clustering column after those restricted with =.",
                f"Make {pattern.range} the clustering column right after the ones the query gives with =.",
            )
        )
    if pattern.order:
        stored = table.clustering[k : k + len(pattern.order)]
        wanted = [c for c, _ in pattern.order]
        if [c for c, _ in stored] != wanted:
            problems.append(
                (
                    f"the query wants its rows ordered by {_show(pattern.order)}, but within a partition they are "
                    f"stored by {_show(table.clustering[k:]) or 'nothing (no clustering columns)'}.",
                    f"Make {', '.join(wanted)} the clustering column(s) after those given with =; rows of a partition "
                    "are stored sorted by the clustering columns.",
                )
            )
        else:
            same = [s[1] == w[1] for s, w in zip(stored, pattern.order, strict=True)]
            if not (all(same) or not any(same)):
                problems.append(
                    (
                        f"the query wants {_show(pattern.order)}, but they are stored {_show(stored)}: a partition "
                        "can be read forwards or backwards, not in a mix of both.",
                        "Set the directions with WITH CLUSTERING ORDER BY (column DESC, ...) to match the query.",
                    )
                )
    not_key = [c for c in pattern.unique if c not in key]
    if not_key:
        problems.append(
            (
                f"{not_key[0]} identifies a row, but it is not in the primary key: two rows with the same "
                f"({', '.join(key)}) are the same row, and the second INSERT silently overwrites the first "
                "(an INSERT is an upsert).",
                f"Add {not_key[0]} as the last clustering column, so the key is unique per row.",
            )
        )
    if pattern.bucket and not set(pattern.bucket) & set(table.partition_key):
        problems.append(
            (
                f"its partition ({', '.join(table.partition_key)}) holds the whole history of one key and grows "
                "without bound: a hot, wide partition.",
                f"Add a time bucket ({' or '.join(pattern.bucket)}) to the partition key, sized for the busiest key, "
                "and have the query give it with =.",
            )
        )
    return problems


def served_message(table: Table, pattern: Pattern) -> str:
    parts = [f"`{table.name}` ({table.describe_key()}) answers it from one partition"]
    if pattern.range:
        parts.append(f"slicing {pattern.range}")
    if pattern.order:
        stored = dict(table.clustering)
        backwards = stored[pattern.order[0][0]] != pattern.order[0][1]
        parts.append(f"rows already stored {'in reverse of ' if backwards else 'in '}the order asked")
    if pattern.bucket:
        parts.append("partitions bounded by a time bucket")
    return ", ".join(parts) + "."


def _show(order: Any) -> str:
    return ", ".join(f"{c} {d}" for c, d in order)
