"""``MongoAttempt`` (what the Mongo checks receive: the learner's and the reference's databases
and each operation's outcome) and the Mongo ``Engine``, which picks mongod when installed and the
emulated server otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from bson import json_util

from labs.attempt import Attempt, EngineUnsupported, LearnerTimeout
from labs.engines.mongo.answer import (
    DATABASES,
    AnswerFormatError,
    MongoAnswer,
    MongoOperation,
    OperationError,
    StoreTimeout,
    parse_answer,
    parse_learner_answer,
    parse_seed,
)
from labs.engines.mongo.emulated import emulated_store
from labs.engines.mongo.mongod import find_mongod, find_mongos, mongod_store
from labs.engines.mongo.store import PLATFORM_TIMEOUT
from labs.sandbox.base import SandboxError
from labs.sandbox.mongo_emulation import EmulationUnsupported
from labs.spec import LabSpec

EMULATED_CAPABILITIES = frozenset({"aggregation", "indexes", "validation"})
MONGOD_CAPABILITIES = frozenset(
    {"aggregation", "indexes", "validation", "explain", "transactions", "replication", "sharding", "text_search"}
)
TOPOLOGY_NEEDS = {"standalone": set(), "replica_set": {"replication"}, "sharded": {"sharding"}}
EMULATED_REASONS = {
    "explain": "the emulated MongoDB engine (mongomock) cannot explain queries; install mongod to run this lab",
    "replication": "the emulated MongoDB engine (mongomock) has no replica sets; install mongod to run this lab",
    "sharding": "the emulated MongoDB engine (mongomock) has no sharded clusters; install mongod and mongos "
    "to run this lab",
    "transactions": "the emulated MongoDB engine (mongomock) has no transactions; install mongod to run this lab",
    "text_search": "the emulated MongoDB engine (mongomock) has no text indexes; install mongod to run this lab",
}

# --------------------------------------------------------------------------- attempts


@dataclass
class OperationOutcome:
    operation: MongoOperation
    result: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        outcome = {"operation": self.operation.describe()}
        outcome.update({"error": self.error} if self.error else {"result": self.result})
        return outcome


@dataclass
class MongoAttempt(Attempt):
    store: Any = None  # DocumentStore (mongod) or RemoteStore (emulated)
    engine_kind: str = "emulated"
    parsed: MongoAnswer = field(default_factory=MongoAnswer)
    reference: MongoAnswer = field(default_factory=MongoAnswer)
    outcomes: dict[tuple[str, str], list[OperationOutcome]] = field(default_factory=dict)
    _results: dict[tuple[str, str], list[dict]] = field(default_factory=dict)

    def has_dataset(self, dataset: str) -> bool:
        return dataset == "seed" or (dataset == "hidden" and self.spec.hidden_seed is not None)

    def database(self, dataset: str = "seed", who: str = "learner") -> str:
        """The database holding ``dataset`` after ``who``'s operations ran (prepared on first use)."""
        key = (dataset, who)
        name = DATABASES[key]
        if key in self.outcomes:
            return name
        if not self.has_dataset(dataset):
            raise ValueError(f"{self.spec.root}: this lab has no hidden.json, so no '{dataset}' dataset")
        source = "seed.json" if dataset == "seed" else "hidden.json"
        seed = parse_seed(
            (self.spec.seed if dataset == "seed" else self.spec.hidden_seed) or "", str(self.spec.root / source)
        )
        self._call(lambda t: self.store.load_seed(name, seed, t), platform=True)
        answer = self.parsed if who == "learner" else self.reference
        outcomes = []
        for op in answer.operations:
            try:
                result = self._call(lambda t, op=op: self.store.apply(name, op, t))
                outcomes.append(OperationOutcome(op, result=result))
            except OperationError as exc:
                if who == "solution":
                    raise SandboxError(f"{self.spec.solution_path}: {op.describe()} failed: {exc}") from None
                outcomes.append(OperationOutcome(op, error=str(exc)))
        self.outcomes[key] = outcomes
        return name

    def results(self, dataset: str = "seed", who: str = "learner") -> list[dict]:
        """The documents of the answer's (or the reference's) query; OperationError if it fails."""
        key = (dataset, who)
        if key not in self._results:
            answer = self.parsed if who == "learner" else self.reference
            if answer.query is None:
                raise ValueError("no query in this answer")
            name = self.database(dataset, who)
            query = answer.query
            self._results[key] = self._call(lambda t: self.store.query(name, query, t), platform=who == "solution")
        return self._results[key]

    def results_in_other_group_order(self, dataset: str = "seed") -> list[dict] | None:
        """The learner's query again with every $group's output in the reverse of the first
        run's (equally valid) order, or None when that cannot change anything (a real mongod,
        or no $group). Two runs in opposite orders swap every pair of tied groups, so an
        answer whose order rests on an accidental one shows it here."""
        query = self.parsed.query
        if self.engine_kind != "emulated" or query is None or query.pipeline is None:
            return None
        if not re.search(r'"\$(group|sortByCount)"', json_util.dumps(list(query.pipeline))):
            return None
        name = self.database(dataset, "learner")
        return self._call(lambda t: self.store.query(name, query, t, reverse_groups=True))

    def _call(self, fn: Any, platform: bool = False) -> Any:
        """Run a store call within the attempt's deadline (the learner's time) or the platform's."""
        timeout = PLATFORM_TIMEOUT if platform else self.remaining()
        if not platform and timeout <= 0:
            raise LearnerTimeout(self._timeout_message())
        try:
            return fn(timeout)
        except StoreTimeout:
            if platform:
                raise SandboxError("the MongoDB sandbox did not answer in time") from None
            raise LearnerTimeout(self._timeout_message()) from None
        except EmulationUnsupported as exc:
            raise EngineUnsupported(unsupported_message(str(exc))) from None

    def _timeout_message(self) -> str:
        return (
            f"Your answer ran past this lab's limit of {self.spec.time_limit:g} s. Filter early with $match "
            "(ideally on an indexed field) and avoid stages that multiply documents, like an $unwind of a big "
            "array or a $lookup without a condition."
        )

    def operation_errors(self, dataset: str = "seed") -> list[OperationOutcome]:
        return [o for o in self.outcomes.get((dataset, "learner"), []) if o.error]

    def describe_operation_errors(self, limit: int = 3) -> str:
        errors = self.operation_errors()
        if not errors:
            return ""
        parts = [f"{o.operation.describe()}: {o.error}" for o in errors[:limit]]
        more = f" and {len(errors) - limit} more" if len(errors) > limit else ""
        return "MongoDB refused some of your operations: " + "; ".join(parts) + more + "."


def unsupported_message(what: str) -> str:
    """The verdict for an answer the emulated engine cannot run: it names the operator, and
    says that it is this installation's limit, not the learner's mistake."""
    return (
        f"This installation runs MongoDB labs on an emulated engine (mongomock, no mongod installed), and it "
        f"does not support {what}. On a real MongoDB 7 server your answer may well be right, so this attempt "
        "does not count. To be graded here, write it with other stages or operators (the lesson's are all "
        "supported), or ask your instructor."
    )


class MongoEngine:
    name = "mongo"

    @property
    def kind(self) -> str:
        return "mongod" if find_mongod() else "emulated"

    def capabilities(self) -> frozenset[str]:
        if self.kind == "emulated":
            return EMULATED_CAPABILITIES
        capabilities = set(MONGOD_CAPABILITIES)
        if find_mongos() is None:
            capabilities.discard("sharding")
        return frozenset(capabilities)

    def needs(self, spec: LabSpec) -> set[str]:
        """What a lab needs: its topology's capability, ``requires``, and explain checks."""
        needs = set(TOPOLOGY_NEEDS.get(spec.topology, set())) | set(spec.requires)
        if any(check.type == "mongo" and "explain" in check.params for check in spec.checks):
            needs.add("explain")
        return needs

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        available = self.capabilities()
        missing = {}
        for need in sorted(self.needs(spec) - available):
            if self.kind == "emulated":
                missing[need] = EMULATED_REASONS.get(
                    need, f"the emulated MongoDB engine (mongomock) cannot provide '{need}'; install mongod"
                )
            elif need == "sharding":
                missing[need] = "mongos is not installed next to mongod (set MONGOS)"
            else:
                missing[need] = f"this installation's MongoDB does not provide '{need}'"
        return missing

    @contextmanager
    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[MongoAttempt]:
        parsed = parse_learner_answer(answer, spec.topology)
        try:
            reference = parse_answer(
                spec.solution_path.read_text(encoding="utf-8"), spec.topology, str(spec.solution_path)
            )
        except AnswerFormatError as exc:
            raise SandboxError(str(exc)) from None
        with ExitStack() as stack:
            if self.kind == "emulated":
                if spec.topology != "standalone":
                    raise SandboxError(f"the emulated MongoDB engine cannot run the {spec.topology} topology")
                store: Any = stack.enter_context(emulated_store())
            else:
                store = stack.enter_context(mongod_store(spec.topology, spec.engine_options))
            attempt = MongoAttempt(
                spec=spec,
                answer=answer,
                deadline=deadline,
                store=store,
                engine_kind=self.kind,
                parsed=parsed,
                reference=reference,
            )
            attempt.database("seed", "learner")
            yield attempt


ENGINE = MongoEngine()
