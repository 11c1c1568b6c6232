"""The ``cql-model`` engine: no sandbox, no server; the answer is parsed into a ``Schema``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from labs.attempt import AnswerRejected, Attempt
from labs.engines.cql_model.schema import Schema, SchemaError, parse_schema
from labs.spec import LabSpec

MAX_ANSWER_BYTES = 64 * 1024


@dataclass
class CqlModelAttempt(Attempt):
    schema: Schema = field(default_factory=Schema)


class CqlModelEngine:
    name = "cql-model"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        return {}  # pure Python: available everywhere

    @contextmanager
    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[CqlModelAttempt]:
        yield CqlModelAttempt(spec=spec, answer=answer, deadline=deadline, schema=read_answer(answer))


def read_answer(answer: str) -> Schema:
    """The learner's tables, or AnswerRejected saying which line Cassandra would refuse and why."""
    if len(answer.encode()) > MAX_ANSWER_BYTES:
        raise AnswerRejected(f"Your answer is over {MAX_ANSWER_BYTES // 1024} KiB; a data model needs a few tables.")
    try:
        return parse_schema(answer)
    except SchemaError as exc:
        raise AnswerRejected(
            f"Your CQL could not be read as a data model: {exc}. (This exercise checks your table design; "
            "no Cassandra server runs it, but a statement Cassandra would refuse is refused here too.)"
        ) from None


ENGINE = CqlModelEngine()
