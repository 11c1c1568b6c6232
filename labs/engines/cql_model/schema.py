"""A small, tolerant reader of CQL data definitions: the CREATE TABLE statements of a Cassandra
data model (columns, partition key, clustering columns and their order, STATIC columns), plus
the CREATE INDEX and CREATE KEYSPACE/TYPE/USE statements that may stand around them.

It checks what Cassandra itself would refuse when the table is created (a key column that is
not defined, a CLUSTERING ORDER that does not follow the clustering columns, a STATIC column in
a table without clustering columns, a collection in the key) and ignores table options it does
not need (compaction, TTL, comments). It is not a CQL implementation: nothing is stored or run.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

SCALAR_TYPES = frozenset(
    {
        "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "duration", "float", "inet",
        "int", "smallint", "text", "time", "timestamp", "timeuuid", "tinyint", "uuid", "varchar", "varint",
    }
)  # fmt: skip
COLLECTIONS = frozenset({"list", "set", "map", "frozen", "tuple", "vector"})
IGNORED_STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "APPLY", "USE", "DROP", "ALTER", "TRUNCATE")
MAX_STATEMENTS = 100

_TOKEN = re.compile(
    r"""\s+|--[^\n]*|//[^\n]*|/\*.*?\*/
    |(?P<string>'(?:[^']|'')*')
    |(?P<quoted>"(?:[^"]|"")+")
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<punct>[(),;<>.=:{}\[\]*+-])""",
    re.VERBOSE | re.DOTALL,
)


class SchemaError(ValueError):
    """A statement Cassandra would refuse, or one this reader cannot read; str() names the line."""


@dataclass(frozen=True)
class Token:
    kind: str  # word | quoted | string | number | punct
    text: str
    line: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    @property
    def name(self) -> str:
        """An identifier as Cassandra stores it: unquoted names are case-insensitive."""
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


@dataclass
class Table:
    name: str  # without the keyspace
    line: int
    columns: dict[str, str] = field(default_factory=dict)  # name -> type as written
    static: set[str] = field(default_factory=set)
    partition_key: list[str] = field(default_factory=list)
    clustering: list[tuple[str, str]] = field(default_factory=list)  # (column, "ASC" | "DESC")

    @property
    def primary_key(self) -> list[str]:
        return self.partition_key + [c for c, _ in self.clustering]

    def describe_key(self) -> str:
        """PRIMARY KEY ((a, b), c DESC, d) in the lesson's notation."""
        parts = [f"({', '.join(self.partition_key)})"] + [
            f"{c} DESC" if order == "DESC" else c for c, order in self.clustering
        ]
        return f"PRIMARY KEY ({', '.join(parts)})"


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (table, column)
    ignored: list[str] = field(default_factory=list)  # statements read past, for messages


def tokenize(text: str) -> list[Token]:
    tokens, position, line = [], 0, 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise SchemaError(f"line {line}: cannot read {text[position : position + 20]!r}")
        kind = match.lastgroup
        if kind is not None:
            tokens.append(Token(kind, match.group(kind), line))
        line += match.group(0).count("\n")
        position = match.end()
    return tokens


def split_statements(tokens: list[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.text == ";" and token.kind == "punct":
            statements.append([])
        else:
            statements[-1].append(token)
    return [s for s in statements if s]


def parse_schema(text: str) -> Schema:
    """Every CREATE TABLE and CREATE INDEX of ``text``; SchemaError names the line and the problem."""
    schema = Schema()
    types: set[str] = set()  # user-defined types (CREATE TYPE)
    statements = split_statements(tokenize(text))
    if len(statements) > MAX_STATEMENTS:
        raise SchemaError(f"your answer has {len(statements)} statements; a data model here needs far fewer")
    for statement in statements:
        words = [t.upper for t in statement[:4]]
        if words[:2] == ["CREATE", "TABLE"] or words[:2] == ["CREATE", "COLUMNFAMILY"]:
            table = _Reader(statement).create_table()
            if table.name in schema.tables:
                raise SchemaError(f"line {table.line}: table {table.name} is created twice")
            schema.tables[table.name] = table
        elif words[:2] == ["CREATE", "INDEX"] or words[:3] == ["CREATE", "CUSTOM", "INDEX"]:
            schema.indexes.append(_Reader(statement).create_index())
        elif words[:2] == ["CREATE", "MATERIALIZED"]:
            raise SchemaError(
                f"line {statement[0].line}: materialized views are experimental in Cassandra and disabled by default "
                "since 4.0; serve each query with a table of its own and write to both"
            )
        elif words[:2] == ["CREATE", "TYPE"]:
            reader = _Reader(statement)
            reader.take(), reader.take()
            reader.accept("IF", "NOT", "EXISTS")
            types.add(reader.qualified_name())
        elif words[:2] == ["CREATE", "KEYSPACE"] or words[0] in IGNORED_STATEMENTS:
            schema.ignored.append(" ".join(t.text for t in statement[:3]))
        else:
            raise SchemaError(
                f"line {statement[0].line}: expected CREATE TABLE (or CREATE KEYSPACE, CREATE INDEX), "
                f"found `{' '.join(t.text for t in statement[:4])}`"
            )
    if not schema.tables:
        raise SchemaError("your answer has no CREATE TABLE statement")
    for table in schema.tables.values():
        _check_types(table, types)
    return schema


def _check_types(table: Table, declared: set[str]) -> None:
    for column, kind in table.columns.items():
        base = kind.split("<", 1)[0].strip('"')
        if base in SCALAR_TYPES or base in COLLECTIONS or base in declared:
            continue
        close = difflib.get_close_matches(base, sorted(SCALAR_TYPES), n=2, cutoff=0.6)
        known = {"integer": "int", "string": "text", "serial": "int or uuid", "numeric": "decimal", "jsonb": "text"}
        advice = known.get(base) or " or ".join(close)
        raise SchemaError(
            f"line {table.line}: column {column} of {table.name} has type {kind}, which CQL does not know"
            + (f" (did you mean {advice}?)" if advice else " (declare a user-defined type with CREATE TYPE first)")
        )


class _Reader:
    def __init__(self, tokens: list[Token]):
        self.tokens, self.i = tokens, 0

    @property
    def line(self) -> int:
        return self.tokens[min(self.i, len(self.tokens) - 1)].line

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SchemaError(f"line {self.line}: the statement ends too early")
        self.i += 1
        return token

    def accept(self, *words: str) -> bool:
        if all((t := self.peek(k)) is not None and t.upper == w for k, w in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.take()
        if token.upper != text:
            raise SchemaError(f"line {token.line}: expected `{text}`, found `{token.text}`")

    def identifier(self, what: str) -> str:
        token = self.take()
        if token.kind not in ("word", "quoted"):
            raise SchemaError(f"line {token.line}: expected {what}, found `{token.text}`")
        return token.name

    def qualified_name(self) -> str:
        name = self.identifier("a table name")
        if self.accept("."):
            name = self.identifier("a table name after the keyspace")
        return name

    def create_table(self) -> Table:
        self.take(), self.take()  # CREATE TABLE
        self.accept("IF", "NOT", "EXISTS")
        line = self.line
        table = Table(self.qualified_name(), line)
        self.expect("(")
        inline_key: str | None = None
        while True:
            if self.accept("PRIMARY", "KEY"):
                self._primary_key(table)
            else:
                column = self.identifier("a column name")
                if column in table.columns:
                    raise SchemaError(f"line {self.line}: column {column} is defined twice in {table.name}")
                table.columns[column] = self._type()
                while True:
                    if self.accept("STATIC"):
                        table.static.add(column)
                    elif self.accept("PRIMARY", "KEY"):
                        if inline_key is not None or table.partition_key:
                            raise SchemaError(f"line {self.line}: {table.name} has more than one PRIMARY KEY")
                        inline_key = column
                    else:
                        break
            if self.accept(")"):
                break
            self.expect(",")
        if inline_key is not None:
            if table.partition_key:
                raise SchemaError(f"line {line}: {table.name} has more than one PRIMARY KEY")
            table.partition_key = [inline_key]
        if not table.partition_key:
            raise SchemaError(f"line {line}: {table.name} has no PRIMARY KEY")
        if self.accept("WITH"):
            self._options(table)
        if self.peek() is not None:
            raise SchemaError(f"line {self.line}: unexpected `{self.peek().text}` after the table definition")  # type: ignore[union-attr]
        _validate(table)
        return table

    def _type(self) -> str:
        token = self.take()
        if token.kind not in ("word", "quoted"):
            raise SchemaError(f"line {token.line}: expected a column type, found `{token.text}`")
        text = token.text.lower()
        if self.peek() is not None and self.peek().text == "<":  # type: ignore[union-attr]
            depth = 0
            while True:
                part = self.take()
                text += part.text.lower()
                depth += {"<": 1, ">": -1}.get(part.text, 0)
                if depth == 0:
                    break
        return text

    def _primary_key(self, table: Table) -> None:
        if table.partition_key:
            raise SchemaError(f"line {self.line}: {table.name} has more than one PRIMARY KEY")
        self.expect("(")
        if self.accept("("):
            table.partition_key = self._names_until_close()
        else:
            table.partition_key = [self.identifier("a key column")]
        while self.accept(","):
            table.clustering.append((self.identifier("a clustering column"), "ASC"))
        self.expect(")")

    def _names_until_close(self) -> list[str]:
        names = [self.identifier("a partition key column")]
        while self.accept(","):
            names.append(self.identifier("a partition key column"))
        self.expect(")")
        return names

    def _options(self, table: Table) -> None:
        while True:
            if self.accept("CLUSTERING", "ORDER", "BY"):
                self.expect("(")
                orders = []
                while True:
                    column = self.identifier("a clustering column")
                    direction = self.take().upper if self.peek() and self.peek().upper in ("ASC", "DESC") else "ASC"  # type: ignore[union-attr]
                    orders.append((column, direction))
                    if self.accept(")"):
                        break
                    self.expect(",")
                _apply_order(table, orders, self.line)
            elif self.accept("COMPACT", "STORAGE"):
                pass
            else:
                self.identifier("a table option")
                self.expect("=")
                self._skip_value()
            if not self.accept("AND"):
                return

    def _skip_value(self) -> None:
        token = self.take()
        if token.text in ("{", "["):
            depth = 1
            while depth:
                part = self.take()
                depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(part.text, 0)

    def create_index(self) -> tuple[str, str]:
        while self.peek() is not None and self.peek().upper != "ON":  # type: ignore[union-attr]
            self.take()
        self.expect("ON")
        table = self.qualified_name()
        self.expect("(")
        if self.peek(1) is not None and self.peek(1).text == "(":  # type: ignore[union-attr]
            self.take(), self.take()  # KEYS( / VALUES( / ENTRIES( / FULL(
            column = self.identifier("an indexed column")
            self.expect(")")
        else:
            column = self.identifier("an indexed column")
        return table, column


def _apply_order(table: Table, orders: list[tuple[str, str]], line: int) -> None:
    names = [c for c, _ in table.clustering]
    for position, (column, _) in enumerate(orders):
        if column not in names:
            raise SchemaError(
                f"line {line}: CLUSTERING ORDER BY names {column}, which is not a clustering column of {table.name} "
                f"(its clustering columns: {', '.join(names) or 'none'})"
            )
        if position >= len(names) or names[position] != column:
            raise SchemaError(
                f"line {line}: CLUSTERING ORDER BY must list the clustering columns in their key order "
                f"({', '.join(names)})"
            )
    direction = dict(orders)
    table.clustering = [(c, direction.get(c, "ASC")) for c in names]


def _validate(table: Table) -> None:
    line = table.line
    for column in table.primary_key:
        if column not in table.columns:
            raise SchemaError(f"line {line}: the PRIMARY KEY of {table.name} names {column}, which is not a column")
        base = table.columns[column].split("<", 1)[0]
        if base in ("list", "set", "map") or base == "counter":
            raise SchemaError(f"line {line}: {column} ({table.columns[column]}) cannot be part of a PRIMARY KEY")
    if len(set(table.primary_key)) != len(table.primary_key):
        raise SchemaError(f"line {line}: a column appears twice in the PRIMARY KEY of {table.name}")
    for column in table.static:
        if not table.clustering:
            raise SchemaError(
                f"line {line}: {column} is STATIC, but {table.name} has no clustering columns (STATIC means one "
                "value per partition, shared by its rows)"
            )
        if column in table.primary_key:
            raise SchemaError(f"line {line}: key column {column} cannot be STATIC")
