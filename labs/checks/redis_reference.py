"""The reference solution's final state, replayed once per lab version and reused.

``same_as_solution`` compares a learner's keys with the reference solution's on the lab's
data and on the hidden data. Replaying the reference on two fresh servers for every attempt
doubled the cost of a grade, although its result depends only on the lab's files. The first
attempt replays it and keeps a snapshot of every key (type, value, TTL right after the
replay); later attempts of the same lab version read the snapshot.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from labs.checks.redis_values import snapshot

if TYPE_CHECKING:
    from labs.sandbox.redis import RedisAttempt

MAX_REFERENCE_KEYS = 2000  # a reference answer is small; beyond this the replay is not cached
_CACHE: dict[tuple[str, str], ReferenceState] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReferenceState:
    """Every key of the reference's final state: name -> (type, value, PTTL in ms)."""

    keys: dict[str, tuple[str, Any, int]]

    def scan(self, pattern: str) -> list[bytes]:
        # fnmatch's glob is Redis' glob for the patterns labs use (*, ?, [..]).
        return sorted(k.encode() for k in self.keys if fnmatchcase(k, pattern))

    def snapshot(self, key: str) -> tuple[str, Any, int]:
        return self.keys.get(key, ("none", None, -2))


def version_key(attempt: RedisAttempt, dataset: str) -> tuple[str, str]:
    """Changes with the lab's seeds, lab.toml and the reference solution."""
    spec = attempt.spec
    digest = hashlib.sha256(spec.content_hash().encode())
    digest.update(spec.solution_path.read_bytes())
    return (str(spec.root.resolve()), f"{dataset}:{digest.hexdigest()[:16]}")


def reference_state(attempt: RedisAttempt, dataset: str) -> ReferenceState:
    key = version_key(attempt, dataset)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    run = attempt.run_on(dataset, "solution")
    names = [k.decode("utf-8", "backslashreplace") for k in run.scan("*")]
    state = ReferenceState({name: snapshot(run, name) for name in names[:MAX_REFERENCE_KEYS]})
    if len(names) <= MAX_REFERENCE_KEYS:
        with _LOCK:
            _CACHE[key] = state
    return state


def forget() -> None:
    """Drop every cached replay (tests)."""
    with _LOCK:
        _CACHE.clear()
