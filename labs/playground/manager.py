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
    RateLimited,
    check_session_id,
)

log = logging.getLogger(__name__)

DEFAULT_TTL = float(os.environ.get("INDEXED_PLAYGROUND_TTL_S", str(15 * 60)))
# Every session is a database or a server in RAM-backed boxes: a host holds this many at once.
# Past it, the one idle longest (at least EVICT_IDLE seconds) makes room; else "full".
MAX_SESSIONS = int(os.environ.get("INDEXED_PLAYGROUND_MAX_SESSIONS", "200"))
EVICT_IDLE = 60.0
REAP_EVERY = 5.0
# The reaper starts removing a session early enough that the removal (a DROP DATABASE, a
# server stop: tens of milliseconds each, one at a time on a server) is finished by the time
# it expires, never after: this margin, plus the measured removal time of every session of
# the same engine due before it (a whole class leaving at once queues on one server).
REAP_AHEAD = 0.25
EARLIEST = 0.1  # ... but never more than this share of its time to live early
FIRST_DROP_ESTIMATE = 0.1  # seconds, until an engine's removals have been measured
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
    lost: bool = False  # rebuilt because the server under it died: the next result says so

    def expires_at(self) -> float:
        return self.last_used + self.ttl

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
        self._wake = threading.Event()  # set when the reaper must look again (new session, stop)
        self._dropping: dict[str, Future] = {}  # expired, scratch area still being removed
        self._droppers = ThreadPoolExecutor(DROP_THREADS, thread_name_prefix="playground-drop")
        self._drop_seconds: dict[str, float] = {}  # engine -> moving average of one removal
        self._gates: dict[str, threading.Lock] = {}  # session id -> held while it is being created
        self._runs: dict[str, list[float]] = {}  # learner -> times of their runs in the last minute

    # -- engines

    def engine(self, name: str) -> Any:
        with self._engines_lock:
            if name not in self._engines:
                self._engines[name] = _make_engine(name)
            return self._engines[name]

    # -- the rate limit

    def admit(self, owner: str, limit: int, window: float = 60.0) -> None:
        """Count one run for ``owner`` (every session of theirs), or RateLimited when they sent
        ``limit`` in the last ``window`` seconds. Kept here, in the one process that serves
        every run of this host, so no web worker needs to write a row per query."""
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._runs.get(owner, ()) if t > now - window]
            if len(recent) >= limit:
                self._runs[owner] = recent
                raise RateLimited(len(recent), limit, max(1, int(recent[0] + window - now) + 1))
            recent.append(now)
            self._runs[owner] = recent
            if len(self._runs) > 10_000:  # forget learners idle for a minute
                self._runs = {k: v for k, v in self._runs.items() if v and v[-1] > now - window}

    # -- sessions

    def _session(self, session_id: str, dataset: Dataset, ttl: float | None) -> Session:
        """The live session, created (or re-created after expiry or a restart) on demand."""
        check_session_id(session_id)
        self.reap()
        with self._lock:
            session = self._live_session(session_id, dataset, ttl)
            if session is not None:
                return session
            gate = self._gates.setdefault(session_id, threading.Lock())
        # One creation per session id at a time: the page asks for the schema and a run at
        # once, and both would make (and drop) the same-named scratch database.
        with gate:
            with self._lock:
                session = self._live_session(session_id, dataset, ttl)
                if session is not None:
                    return session
                dropping = self._dropping.get(session_id)
                stale = self._sessions.pop(session_id, None)
            if dropping is not None:  # back just as it expired: the old scratch area must go first
                dropping.result()
            if stale is not None:  # other dataset (the lesson changed), or its server died: start over
                self._drop(stale)
            self._make_room()
            scratch = self.engine(dataset.engine).create(session_id, dataset)
            session = Session(session_id, dataset.engine, dataset.key, scratch, ttl or self.ttl)
            session.lost = stale is not None and stale.lost
            with self._lock:
                self._sessions[session_id] = session
            self._wake.set()
            return session

    def _make_room(self) -> None:
        with self._lock:
            if len(self._sessions) < MAX_SESSIONS:
                return
            idlest = min(self._sessions.values(), key=lambda s: s.last_used)
            if time.monotonic() - idlest.last_used < EVICT_IDLE:
                raise PlaygroundError(
                    f"the playground holds {MAX_SESSIONS} sessions on this server and all are in use; "
                    "try again in a minute"
                )
            del self._sessions[idlest.session_id]
        self._drop(idlest)

    def _live_session(self, session_id: str, dataset: Dataset, ttl: float | None) -> Session | None:
        session = self._sessions.get(session_id)
        if session is None or session.dataset_key != dataset.key or session.engine != dataset.engine:
            return None
        alive = getattr(self._engines.get(session.engine), "alive", None)
        if alive is not None and not alive(session.scratch):
            session.lost = True  # its server died: _session rebuilds it and says so
            return None
        session.last_used = time.monotonic()
        if ttl and ttl != session.ttl:
            session.ttl = ttl
            self._wake.set()
        return session

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
        if session.lost:
            session.lost = False
            lost = "The server under your scratch data stopped (it ran out of memory), so your data was reset."
            result["notice"] = f"{lost} {result['notice']}".strip()
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
            started = time.monotonic()
            try:
                self.engine(session.engine).drop(session.scratch)
                took = time.monotonic() - started
                previous = self._drop_seconds.get(session.engine, took)
                self._drop_seconds[session.engine] = 0.7 * previous + 0.3 * took
            except Exception:  # the server died: its data went with it
                log.warning("dropping playground session %s failed", session.session_id, exc_info=True)

    def live(self) -> list[dict[str, Any]]:
        """Every session whose scratch area exists (those being removed included)."""
        with self._lock:
            sessions = list(self._sessions.values())
            dropping = list(self._dropping)
        rows = [{"session": s.session_id, "engine": s.engine, "expires_in": round(s.expires_in(), 1)} for s in sessions]
        return rows + [{"session": sid, "engine": "", "expires_in": 0.0, "dropping": True} for sid in dropping]

    def reap(self, wait: bool = False) -> list[str]:
        """Drop every session idle for (almost) its time to live, in parallel; their ids."""
        now = time.monotonic()
        futures = []
        with self._lock:
            expired, _ = self._due(now)
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
            if session_id not in self._sessions:
                self._gates.pop(session_id, None)

    def sandbox_paths(self) -> list[str]:
        """Directories of the sandboxes the sessions live in (for tests and the benchmark)."""
        with self._engines_lock:
            engines = list(self._engines.values())
        paths: list[str] = []
        for engine in engines:
            paths.extend(engine.sandbox_paths())
        return paths

    # -- lifecycle

    def _due(self, now: float) -> tuple[list[Session], float | None]:
        """Sessions whose removal must start now, and seconds until the next one is due.

        Per engine, in expiry order, each session's removal must start before its expiry less
        the margin, less the removals queued ahead of it on the same server."""
        by_engine: dict[str, list[Session]] = {}
        for session in self._sessions.values():
            by_engine.setdefault(session.engine, []).append(session)
        due: list[Session] = []
        wait: float | None = None
        for engine, sessions in by_engine.items():
            cost = self._drop_seconds.get(engine, FIRST_DROP_ESTIMATE)
            queued = 0.0
            for session in sorted(sessions, key=Session.expires_at):
                queued += cost
                ahead = min(REAP_AHEAD + queued, max(REAP_AHEAD, EARLIEST * session.ttl))
                start_by = session.expires_at() - ahead
                if now >= start_by:
                    due.append(session)
                else:
                    wait = start_by - now if wait is None else min(wait, start_by - now)
        return due, wait

    def next_expiry(self) -> float | None:
        """Seconds until the reaper must next remove a session (None when there is none)."""
        with self._lock:
            return self._due(time.monotonic())[1]

    def start_reaper(self, every: float = REAP_EVERY) -> None:
        """Drop sessions as they expire: sleep until the next expiry (at most ``every``), so a
        sandbox outlives its expiry by milliseconds, not by a polling period."""

        def loop() -> None:
            while True:
                upcoming = self.next_expiry()
                delay = every if upcoming is None else min(every, upcoming)
                self._wake.wait(max(0.01, delay))  # a new session may expire sooner: it wakes us
                self._wake.clear()
                if self._stopping.is_set():
                    return
                with contextlib.suppress(Exception):
                    self.reap()

        self._reaper = threading.Thread(target=loop, name="playground-reaper", daemon=True)
        self._reaper.start()

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
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
