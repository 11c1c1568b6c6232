"""The ``shards`` topology's runbook steps (create_sharded_table, attach_shard, copy_rows) and
the order they must come in: a mixin of the runbook parser (``labs.runbook``), whose ``fail``,
``identifier`` and ``keywords`` helpers and ``shards`` count it uses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from labs.runbook_vocabulary import Step, is_whole_number


class ShardSteps:
    """Parsing and ordering of the shards steps; mixed into ``labs.runbook._Parser``."""

    def step_create_sharded_table(self, line: int, rest: list[str]) -> dict | None:
        usage = "write create_sharded_table orders by hash(customer_id)  (or by range(created_on))"
        joined = " ".join(rest)
        match = re.match(r"^(\S+)\s+by\s+(\w+)\s*\(\s*([^()\s]+)\s*\)$", joined, re.IGNORECASE)
        if not match:
            self.fail(line, f"create_sharded_table {joined!r}: {usage}")
            return None
        table, method, column = match.group(1), match.group(2).lower(), match.group(3)
        if method not in ("hash", "range"):
            self.fail(
                line,
                f"create_sharded_table: partition method {method!r} is not hash or range"
                f"{self._suggest(method, ('hash', 'range'))}",
            )
            return None
        table = self.identifier(line, table, "table")
        column = self.identifier(line, column, "column")
        if table is None or column is None:
            return None
        return {"table": table, "method": method, "column": column}

    def step_attach_shard(self, line: int, rest: list[str]) -> dict | None:
        if not rest:
            self.fail(
                line,
                "attach_shard needs a table and its partition: attach_shard orders shard=1 modulus=3 "
                "remainder=0  (or from=… to=… for range)",
            )
            return None
        table = self.identifier(line, rest[0], "table")
        options = self.keywords(line, rest[1:], ("shard", "modulus", "remainder", "from", "to"), "attach_shard")
        if table is None or options is None:
            return None
        if "shard" not in options:
            self.fail(line, "attach_shard needs shard=<n>: the shard server that will hold this partition")
            return None
        shard = self._whole(line, options["shard"], "shard", minimum=1)
        if shard is None:
            return None
        if self.shards is not None and shard > self.shards:
            self.fail(line, f"shard={shard}: this lab has {self.shards} shards, numbered 1 to {self.shards}")
            return None
        args: dict[str, Any] = {"table": table, "shard": shard}
        hash_keys, range_keys = {"modulus", "remainder"} & options.keys(), {"from", "to"} & options.keys()
        if hash_keys and range_keys:
            self.fail(line, "attach_shard mixes hash (modulus/remainder) and range (from/to) bounds; pick one")
            return None
        if hash_keys:
            if hash_keys != {"modulus", "remainder"}:
                self.fail(line, "a hash partition needs both modulus=<m> and remainder=<r>")
                return None
            modulus = self._whole(line, options["modulus"], "modulus", minimum=1)
            remainder = self._whole(line, options["remainder"], "remainder", minimum=0)
            if modulus is None or remainder is None:
                return None
            if remainder >= modulus:
                self.fail(line, f"remainder={remainder} must be smaller than modulus={modulus}")
                return None
            args.update(method="hash", modulus=modulus, remainder=remainder)
        elif range_keys:
            if range_keys != {"from", "to"}:
                self.fail(line, "a range partition needs both from=<value> and to=<value> (to is exclusive)")
                return None
            low, high = self._bound(line, options["from"]), self._bound(line, options["to"])
            if low is None or high is None:
                return None
            if isinstance(low, int) and isinstance(high, int) and low >= high:
                self.fail(line, f"from={low} must be below to={high}: the range [from, to) would be empty")
                return None
            args.update(method="range", low=low, high=high)
        else:
            self.fail(line, "attach_shard needs bounds: modulus=<m> remainder=<r> for hash, from=<v> to=<v> for range")
            return None
        return args

    def step_copy_rows(self, line: int, rest: list[str]) -> dict | None:
        if len(rest) != 1:
            self.fail(line, "copy_rows takes one table name, e.g. copy_rows orders")
            return None
        table = self.identifier(line, rest[0], "table")
        return {"table": table} if table else None

    def _whole(self, line: int, text: str, what: str, minimum: int) -> int | None:
        if not is_whole_number(text, 9) or int(text) < minimum:  # partition numbers are Postgres int4
            self.fail(line, f"{what}={text!r} must be a whole number from {minimum} to 999999999")
            return None
        return int(text)

    def _bound(self, line: int, text: str) -> int | str | None:
        """A range bound: a whole number, a quoted string, or minvalue/maxvalue."""
        low = text.lower()
        if low in ("minvalue", "maxvalue"):
            return low.upper()
        if re.fullmatch(r"-?[0-9]{1,18}", text):  # fits a bigint, and int() never sees thousands of digits
            return int(text)
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            return self.value_text(text)
        self.fail(line, f"range bound {text!r}: write a number, a quoted value ('2026-01-01') or minvalue/maxvalue")
        return None

    def order_shards(self, steps: list[Step], last_line: int) -> None:
        tables: dict[str, Step] = {}
        remainders: dict[tuple[str, int, int], int] = {}
        copied: set[str] = set()
        attached: set[str] = set()
        for step in steps:
            table = step.args["table"]
            created = tables.get(table)
            if step.name == "create_sharded_table":
                if created:
                    self.fail(step.line, f"{table} is already sharded on line {created.line}")
                else:
                    tables[table] = step
                continue
            if created is None:
                self.fail(
                    step.line,
                    f"{step.name} {table}: shard the table first with create_sharded_table {table} by hash(<column>)",
                )
                continue
            if step.name == "copy_rows":
                if table not in attached:
                    self.fail(
                        step.line,
                        f"copy_rows {table}: no shard is attached yet, so the rows would have "
                        "nowhere to go; attach_shard first",
                    )
                if table in copied:
                    self.fail(step.line, f"copy_rows {table} runs twice: every row would be stored twice")
                copied.add(table)
                continue
            attached.add(table)
            if table in copied:
                self.fail(
                    step.line,
                    f"attach_shard after copy_rows {table}: the new shard would stay empty; "
                    "attach every shard before copying",
                )
            method = created.args["method"]
            if step.args["method"] != method:
                self.fail(
                    step.line,
                    f"{table} is partitioned by {method} (line {created.line}); "
                    f"this shard gives {step.args['method']} bounds",
                )
                continue
            if method == "hash":
                # Several partitions per shard and mixed moduli (3 and 6) are both legal layouts:
                # Postgres itself refuses moduli that do not divide each other or overlapping
                # remainders, with a message labs.engines.postgres.shards.explain_shard_error explains.
                key = (table, step.args["modulus"], step.args["remainder"])
                if key in remainders:
                    self.fail(
                        step.line,
                        f"modulus={key[1]} remainder={key[2]} of {table} is already attached on line {remainders[key]}",
                    )
                remainders.setdefault(key, step.line)
        if not tables:
            self.fail(None, "the runbook never shards a table: start with create_sharded_table <table> by hash(<col>)")
        for table in tables:
            if table not in copied:
                self.fail(None, f"the rows of {table} never reach the shards: end with copy_rows {table}")
