"""Sessions: create a scratch area from a dataset, run text on it, reset it, and drop it when
it has been idle longer than its time to live.

A session is known by an id the site chooses (random, stored with its owner). Nothing here
trusts the id for access control: the site checks ownership before it asks; here the id
only names the scratch area. Expiry is enforced here too, so a sandbox never outlives its
expiry even if the site's periodic reaper does not run: every request first drops what has
expired, and ``start_reaper`` checks every few seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from labs.playground.common import (
    MAX_TEXT_BYTES,
    Dataset,
    Outcome,
    PlaygroundError,
    check_session_id,
)

log = logging.getLogger(__name__)

DEFAULT_TTL = float(os.environ.get("INDEXED_PLAYGROUND_TTL_S", str(15 * 60)))
REAP_EVERY = 5.0


@dataclass
class Session:
    session_id: str
    engine: str
    dataset_key: str
    scratch: Any
    ttl: float
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.monotonic()) - self.last_used >= self.ttl

    def expires_in(self) -> float:
        return max(0.0, self.ttl - (time.monotonic() - self.last_used))


class Manager:
    """Every live playground session of this process, on pooled servers per engine."""

    def __init__(self, ttl: float = DEFAULT_TTL):
        self.ttl = ttl
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._engines: dict[str, Any] = {}
        self._engines_lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- engines

    def engine(self, name: str) -> Any:
        with self._engines_lock:
            if name not in self._engines:
                self._engines[name] = _make_engine(name)
            return self._engines[name]

    # -- sessions

    def _session(self, session_id: str, dataset: Dataset, ttl: float | None) -> Session:
        """The live session, created (or re-created after expiry or a restart) on demand."""
        check_session_id(session_id)
        self.reap()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and session.dataset_key == dataset.key and session.engine == dataset.engine:
                session.last_used = time.monotonic()
                if ttl:
                    session.ttl = ttl
                return session
            stale = self._sessions.pop(session_id, None)
        if stale is not None:
            self._drop(stale)
        engine = self.engine(dataset.engine)
        scratch = engine.create(session_id, dataset)
        session = Session(session_id, dataset.engine, dataset.key, scratch, ttl or self.ttl)
        with self._lock:
            raced = self._sessions.get(session_id)
            if raced is None:
                self._sessions[session_id] = session
                return session
        engine.drop(scratch)  # a concurrent request made the same session first
        return raced

    def open(self, session_id: str, dataset: Dataset, ttl: float | None = None) -> dict[str, Any]:
        session = self._session(session_id, dataset, ttl)
        return {"session": session_id, "expires_in": session.expires_in()}

    def run(
        self, session_id: str, dataset: Dataset, text: str, explain: bool = False, ttl: float | None = None
    ) -> dict:
        if len(text.encode()) > MAX_TEXT_BYTES:
            outcome = Outcome(error={"message": f"The text is longer than {MAX_TEXT_BYTES} bytes.", "line": None})
            return outcome.to_dict()
        session = self._session(session_id, dataset, ttl)
        with session.lock:
            outcome = self.engine(session.engine).run(session.scratch, text, explain)
            session.last_used = time.monotonic()
        result = outcome.to_dict()
        result["expires_in"] = session.expires_in()
        return result

    def schema(self, session_id: str, dataset: Dataset, ttl: float | None = None) -> dict[str, Any]:
        session = self._session(session_id, dataset, ttl)
        with session.lock:
            return self.engine(session.engine).schema(session.scratch)

    def reset(self, session_id: str, dataset: Dataset, ttl: float | None = None) -> dict[str, Any]:
        session = self._session(session_id, dataset, ttl)
        with session.lock:
            session.scratch = self.engine(session.engine).reset(session.scratch)
            session.last_used = time.monotonic()
        return {"session": session_id, "expires_in": session.expires_in()}

    def drop(self, session_id: str) -> bool:
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is None:
            return False
        self._drop(session)
        return True

    def _drop(self, session: Session) -> None:
        with session.lock:
            try:
                self.engine(session.engine).drop(session.scratch)
            except Exception:  # the server died: its data went with it
                log.warning("dropping playground session %s failed", session.session_id, exc_info=True)

    def live(self) -> list[dict[str, Any]]:
        with self._lock:
            sessions = list(self._sessions.values())
        return [{"session": s.session_id, "engine": s.engine, "expires_in": round(s.expires_in(), 1)} for s in sessions]

    def reap(self) -> list[str]:
        """Drop every session idle for longer than its time to live; their ids."""
        now = time.monotonic()
        with self._lock:
            expired = [s for s in self._sessions.values() if s.expired(now)]
            for session in expired:
                del self._sessions[session.session_id]
        for session in expired:
            self._drop(session)
        return [s.session_id for s in expired]

    def sandbox_paths(self) -> list[str]:
        """Directories of the sandboxes the sessions live in (for tests and the benchmark)."""
        with self._engines_lock:
            engines = list(self._engines.values())
        paths: list[str] = []
        for engine in engines:
            paths.extend(engine.sandbox_paths())
        return paths

    # -- lifecycle

    def start_reaper(self, every: float = REAP_EVERY) -> None:
        def loop() -> None:
            while not self._stopping.wait(every):
                with contextlib.suppress(Exception):
                    self.reap()

        self._reaper = threading.Thread(target=loop, name="playground-reaper", daemon=True)
        self._reaper.start()

    def close(self) -> None:
        self._stopping.set()
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            self._drop(session)
        with self._engines_lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            with contextlib.suppress(Exception):
                engine.close()


def _make_engine(name: str) -> Any:
    if name == "postgres":
        from labs.playground.pg import PostgresPlayground

        return PostgresPlayground()
    if name == "redis":
        from labs.playground.redis_engine import RedisPlayground

        return RedisPlayground()
    if name == "mongo":
        from labs.playground.mongo import MongoPlayground

        return MongoPlayground()
    if name == "mariadb":
        from labs.playground.mariadb import MariaPlayground

        return MariaPlayground()
    raise PlaygroundError(f"no playground for engine {name!r}")
