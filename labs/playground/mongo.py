"""MongoDB scratch areas on the emulated engine (mongomock in a boxed child process, the
grader's own ``EmulatedServer``): one database per session on one shared server. Learners
never name a database: every call carries the session's, and the answer format has no way
to address another (``$out``/``$merge`` to other databases are refused by the parser).

A runaway pipeline can only be stopped by killing the server: then every session's data
is rebuilt from its seed on its next request, and the page says so."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from labs.attempt import AnswerRejected
from labs.playground.common import (
    MAX_ROWS,
    MAX_SCHEMA_TABLES,
    SAMPLE_ROWS,
    STATEMENT_TIMEOUT_S,
    Dataset,
    Outcome,
    PlaygroundError,
    Stopwatch,
    cell,
)
from labs.playground.pooled import PooledPlayground
from labs.sandbox import base

EMULATED_NOTE = (
    "MongoDB here is an emulated engine (mongomock), not mongod: most find and aggregate features "
    "work, explain plans and a few operators do not."
)


@dataclass
class MongoScratch:
    session_id: str
    dataset: Dataset
    db_name: str
    generation: int
    collections: list[str]


class MongoPlayground(PooledPlayground):
    name = "mongo"
    forget_pids_on_stop = True  # the emulated server's stop() reaps its process

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()  # the pipe to the server carries one call at a time

    def _store(self) -> Any:
        """The server (started again if it died) behind a store; callers hold the lock."""
        from labs.engines.mongo.emulated import START_TIMEOUT, EmulatedServer, RemoteStore

        if self._server is None or self._server.dead or not self._server.is_alive():
            self._stop_locked()
            self._sandbox = base.make_sandbox_dir("playground-mongo")
            self._server = EmulatedServer(self._sandbox)
            self._server.call("ping", timeout=START_TIMEOUT)
            self._generation += 1
        return RemoteStore(self._server)

    def create(self, session_id: str, dataset: Dataset) -> MongoScratch:
        scratch = MongoScratch(session_id, dataset, f"s_{session_id}", 0, [])
        with self._lock:
            self._load(scratch)
        return scratch

    def _load(self, scratch: MongoScratch) -> None:
        from labs.engines.mongo.answer import parse_seed

        store = self._store()
        names: list[str] = []
        for number, script in enumerate(scratch.dataset.scripts, start=1):
            seed = parse_seed(script, f"block {number}")
            store.load_seed(scratch.db_name, seed, 30.0)
            names.extend(n for n in seed.collections if n not in names)
        scratch.collections = names
        scratch.generation = self._generation

    def drop(self, scratch: MongoScratch) -> None:
        with self._lock:
            if self._server is None or self._generation != scratch.generation:
                return
            from labs.engines.mongo.answer import MongoOperation

            store = self._store()
            for name in scratch.collections:  # the emulated store has no dropDatabase: empty each
                with contextlib.suppress(Exception):
                    store.apply(scratch.db_name, MongoOperation("deleteMany", name, {"filter": {}}, 0), 10.0)

    def reset(self, scratch: MongoScratch) -> MongoScratch:
        with self._lock:
            self.drop(scratch)
            fresh = MongoScratch(scratch.session_id, scratch.dataset, _next_name(scratch.db_name), 0, [])
            self._load(fresh)  # a new database: indexes the learner made go with the old one
            return fresh

    def run(self, scratch: MongoScratch, text: str, explain: bool = False) -> Outcome:
        from labs.engines.mongo.answer import AnswerFormatError, OperationError, StoreTimeout, parse_learner_answer
        from labs.sandbox.mongo_emulation import EmulationUnsupported

        outcome = Outcome(notice=EMULATED_NOTE)
        clock = Stopwatch()
        with self._lock:
            if scratch.generation != self._generation or self._server is None or self._server.dead:
                self._load(scratch)
                outcome.notice += " The emulated server restarted, so your data was reset to the seed."
            store = self._store()
            try:
                answer = parse_learner_answer(text, "standalone")
                for operation in answer.operations:
                    message = store.apply(scratch.db_name, operation, STATEMENT_TIMEOUT_S)
                    outcome.statements.append(
                        {"line": None, "status": f"{operation.describe()}: {message}", "ms": None}
                    )
                    if operation.collection not in scratch.collections:
                        scratch.collections.append(operation.collection)
                if explain:
                    outcome.notice += " Explain plans need a real mongod, which this installation does not have."
                if answer.query is not None:
                    documents = store.query(scratch.db_name, answer.query, STATEMENT_TIMEOUT_S)
                    _table(outcome, documents)
            except (AnswerFormatError, AnswerRejected, OperationError, EmulationUnsupported) as exc:
                outcome.error = {"message": str(exc), "line": _line_in(str(exc)), "hint": ""}
            except StoreTimeout:
                outcome.error = {
                    "message": f"The query ran past the playground's {STATEMENT_TIMEOUT_S:g} s limit and was stopped.",
                    "line": None,
                    "hint": "",
                }
            except base.SandboxError as exc:
                raise PlaygroundError(str(exc)) from exc
        outcome.elapsed_ms = clock.ms()
        return outcome

    def schema(self, scratch: MongoScratch) -> dict[str, Any]:
        """Each collection with the fields its sample documents have (documents have no schema)."""
        from labs.engines.mongo.answer import MongoQuery

        tables = []
        with self._lock:
            if scratch.generation != self._generation:
                self._load(scratch)
            store = self._store()
            for name in scratch.collections[:MAX_SCHEMA_TABLES]:
                documents = store.query(scratch.db_name, MongoQuery(collection=name, limit=SAMPLE_ROWS), 5.0)
                fields: dict[str, str] = {}
                for document in documents:
                    for key, value in document.items():
                        fields.setdefault(str(key), type(value).__name__)
                columns = [{"name": k, "type": v, "not_null": False, "pk": k == "_id"} for k, v in fields.items()]
                sample = [[cell(document.get(c["name"])) for c in columns] for document in documents]
                tables.append({"name": name, "columns": columns, "sample": sample})
        return {"tables": tables, "relations": [], "notes": [EMULATED_NOTE], "kind": "collections"}


def _table(outcome: Outcome, documents: list[dict]) -> None:
    columns: list[str] = []
    for document in documents[:MAX_ROWS]:
        for key in document:
            if str(key) not in columns and len(columns) < 40:
                columns.append(str(key))
    outcome.columns = columns
    outcome.rows = [[cell(document.get(c)) for c in columns] for document in documents[:MAX_ROWS]]
    outcome.truncated = len(documents) > MAX_ROWS
    outcome.statements.append({"line": None, "status": f"{min(len(documents), MAX_ROWS)} document(s)", "ms": None})


def _line_in(message: str) -> int | None:
    import re

    match = re.search(r"\bline (\d+)", message)
    return int(match.group(1)) if match else None


def _next_name(db_name: str) -> str:
    stem, _, number = db_name.rpartition("_r")
    return f"{stem}_r{int(number) + 1}" if stem and number.isdigit() else f"{db_name}_r1"
