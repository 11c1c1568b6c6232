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
from concurrent.futures import Future, ThreadPoolExecutor
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
# The reaper removes a session this long *before* its expiry, so the removal (a DROP DATABASE,
# a server stop: tens of milliseconds) is finished by the time it expires, never after.
REAP_AHEAD = 0.25
DROP_THREADS = 4  # expired sessions are dropped in parallel: a class leaving at once is gone at once


@dataclass
class Session:
    session_id: str
    engine: str
    dataset_key: str
    scratch: Any
    ttl: float
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expired(self, now: float | None = None, ahead: float = 0.0) -> bool:
        return (now if now is not None else time.monotonic()) - self.last_used >= self.ttl - ahead

    def expires_in(self) -> float:
        return max(0.0, self.ttl - (time.monotonic() - self.last_used))


class Manager:
    """Every live playground session of this process, on pooled servers per engine."""

    def __init__(self, ttl: float = DEFAULT_TTL):
        self.ttl = ttl
        self._sessions: dict[str, Session] = {}
        self._lock = threading.RLock()  # re-entered when a drop finishes before its callback is added
        self._engines: dict[str, Any] = {}
        self._engines_lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self._stopping = threading.Event()
        self._dropping: dict[str, Future] = {}  # expired, scratch area still being removed
        self._droppers = ThreadPoolExecutor(DROP_THREADS, thread_name_prefix="playground-drop")

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
            dropping = self._dropping.get(session_id)
        if dropping is not None:  # back just as it expired: the old scratch area must go first
            dropping.result()
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
        """Every session whose scratch area exists (those being removed included)."""
        with self._lock:
            sessions = list(self._sessions.values())
            dropping = list(self._dropping)
        rows = [
            {"session": s.session_id, "engine": s.engine, "expires_in": round(s.expires_in(), 1)} for s in sessions
        ]
        return rows + [{"session": sid, "engine": "", "expires_in": 0.0, "dropping": True} for sid in dropping]

    def reap(self, wait: bool = False) -> list[str]:
        """Drop every session idle for (almost) its time to live, in parallel; their ids."""
        now = time.monotonic()
        futures = []
        with self._lock:
            expired = [s for s in self._sessions.values() if s.expired(now, REAP_AHEAD)]
            for session in expired:
                del self._sessions[session.session_id]
                future = self._droppers.submit(self._drop, session)
                self._dropping[session.session_id] = future
                future.add_done_callback(lambda _, sid=session.session_id: self._forget_dropping(sid))
                futures.append(future)
        if wait:
            for future in futures:
                future.result()
        return [s.session_id for s in expired]

    def _forget_dropping(self, session_id: str) -> None:
        with self._lock:
            self._dropping.pop(session_id, None)

    def sandbox_paths(self) -> list[str]:
        """Directories of the sandboxes the sessions live in (for tests and the benchmark)."""
        with self._engines_lock:
            engines = list(self._engines.values())
        paths: list[str] = []
        for engine in engines:
            paths.extend(engine.sandbox_paths())
        return paths

    # -- lifecycle

    def next_expiry(self) -> float | None:
        """Seconds until the next session expires (None when there is none)."""
        with self._lock:
            sessions = list(self._sessions.values())
        return min((s.expires_in() for s in sessions), default=None)

    def start_reaper(self, every: float = REAP_EVERY) -> None:
        """Drop sessions as they expire: sleep until the next expiry (at most ``every``), so a
        sandbox outlives its expiry by milliseconds, not by a polling period."""

        def loop() -> None:
            while True:
                upcoming = self.next_expiry()
                delay = every if upcoming is None else min(every, upcoming - REAP_AHEAD)
                if self._stopping.wait(max(0.01, delay)):
                    return
                with contextlib.suppress(Exception):
                    self.reap()

        self._reaper = threading.Thread(target=loop, name="playground-reaper", daemon=True)
        self._reaper.start()

    def close(self) -> None:
        self._stopping.set()
        self._droppers.shutdown(wait=True)
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
