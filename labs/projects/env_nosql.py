"""The NoSQL project environment: the platform's MongoDB engine (emulated, in its own sandbox
process) seeded with the project's shop data, and a Redis 7 server in its own sandbox, where the
learner's Lua scripts run over the learner account's connections."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from labs.engines.mongo.answer import parse_seed
from labs.engines.mongo.emulated import RemoteStore, emulated_store
from labs.engines.redis.deployment import RedisDeployment, RedisOptions, start_deployment
from labs.engines.redis.resp import RespConnection
from labs.projects.env_pg import LearnerTimeout, PlatformFault
from labs.projects.spec import ProjectSpec

SEED_TIMEOUT = 60.0


@dataclass
class NosqlProjectEnv:
    spec: ProjectSpec
    store: RemoteStore
    redis: RedisDeployment
    deadline: float
    databases: list[str]
    memo: dict[str, Any] = field(default_factory=dict)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LearnerTimeout("the project's time limit ran out before this criterion could run")
        return left

    def learner(self) -> RespConnection:
        """A new connection as the learner's Redis account (the caller closes it)."""
        try:
            return self.redis.connect_learner()
        except Exception as exc:
            raise PlatformFault(f"could not connect to the project's Redis: {exc}") from exc

    def admin_call(self, *argv: Any) -> Any:
        try:
            return self.redis.admin().call(*argv)
        except Exception as exc:
            raise PlatformFault(f"the platform's own Redis command failed: {exc}") from exc


@contextlib.contextmanager
def open_nosql_project(spec: ProjectSpec, deadline: float) -> Iterator[NosqlProjectEnv]:
    seeds: dict[str, str] = spec.environment["mongo_seeds"]
    with contextlib.ExitStack() as stack:
        try:
            store = stack.enter_context(emulated_store())
            redis = start_deployment("single", RedisOptions())
            stack.callback(redis.stop)
            for database, rel in seeds.items():
                path = spec.root / rel
                store.load_seed(database, parse_seed(path.read_text(encoding="utf-8"), str(path)), SEED_TIMEOUT)
        except PlatformFault:
            raise
        except Exception as exc:  # a server that does not start, a seed that does not load: ours
            raise PlatformFault(f"the project's MongoDB engine or Redis did not start: {exc}") from exc
        yield NosqlProjectEnv(spec, store, redis, deadline, list(seeds))
