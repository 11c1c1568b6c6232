"""``RedisAttempt`` (what the Redis checks receive), ``RedisRun`` (an answer replayed on fresh
servers), the Redis ``Engine``, and the bench of cluster start-up.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from labs.attempt import Attempt
from labs.engines.redis.commands import CommandSyntaxError, RedisCommand, parse_answer, parse_commands
from labs.engines.redis.deployment import (
    DEFAULT_SHARDS,
    REDIS_SERVER,
    WARM_CLUSTERS,
    RedisDeployment,
    RedisOptions,
    deploy,
    redis_version,
    start_deployment,
)
from labs.engines.redis.resp import ADMIN_TIMEOUT
from labs.engines.redis.run import CommandRouter, Transcript, run_commands, run_seed
from labs.sandbox.base import SandboxError
from labs.spec import LabSpec

CAPABILITIES = frozenset({"cluster", "scripting", "functions", "streams", "pubsub"})

# --------------------------------------------------------------------------- attempts


@dataclass
class RedisRun:
    """One deployment seeded with one dataset, after one answer ran on it."""

    dataset: str  # "seed" or "hidden"
    who: str  # "learner" or "solution"
    deployment: RedisDeployment
    transcript: Transcript

    @property
    def grader(self) -> CommandRouter:
        return CommandRouter(self.deployment, learner=False)

    def call(self, *argv: Any, timeout: float = ADMIN_TIMEOUT) -> Any:
        return self.grader.call(*argv, timeout=timeout)

    def scan(self, pattern: str = "*") -> list[bytes]:
        """Every key matching ``pattern`` on every shard, sorted."""
        found: set[bytes] = set()
        for node in self.deployment.nodes:
            connection = self.deployment.admin(node.index)
            cursor = b"0"
            while True:
                cursor, keys = connection.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
                found.update(keys)
                if cursor == b"0":
                    break
        return sorted(found)

    def keys_by_node(self, pattern: str = "*") -> dict[int, list[bytes]]:
        result = {}
        for node in self.deployment.nodes:
            connection = self.deployment.admin(node.index)
            keys: list[bytes] = []
            cursor = b"0"
            while True:
                cursor, batch = connection.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
                keys.extend(batch)
                if cursor == b"0":
                    break
            result[node.index] = sorted(set(keys))
        return result


@dataclass
class RedisAttempt(Attempt):
    commands: list[RedisCommand] = field(default_factory=list)
    options: RedisOptions = field(default_factory=RedisOptions)
    stack: ExitStack | None = None
    runs: dict[tuple[str, str], RedisRun] = field(default_factory=dict)

    @property
    def primary(self) -> RedisRun:
        """The learner's answer on the lab's own data: what most checks look at."""
        return self.run_on("seed")

    @property
    def transcript(self) -> Transcript:
        return self.primary.transcript

    def has_dataset(self, dataset: str) -> bool:
        return dataset == "seed" or (dataset == "hidden" and self.spec.hidden_seed is not None)

    def run_on(self, dataset: str = "seed", who: str = "learner") -> RedisRun:
        """The learner's (or the reference solution's) commands replayed on fresh servers
        seeded with ``dataset``; started on first use, torn down with the attempt."""
        key = (dataset, who)
        if key in self.runs:
            return self.runs[key]
        if not self.has_dataset(dataset):
            raise ValueError(f"{self.spec.root}: this lab has no hidden.redis, so no '{dataset}' dataset")
        assert self.stack is not None, "runs are only available inside open_attempt"
        if who == "learner":
            commands = self.commands
        else:
            try:
                commands = parse_commands(self.spec.solution_path.read_text(encoding="utf-8"))
            except CommandSyntaxError as exc:
                raise SandboxError(f"{self.spec.solution_path}: {exc}") from None
        deployment = self.stack.enter_context(deploy(self.spec.topology, self.options))
        seed_name = "seed.redis" if dataset == "seed" else "hidden.redis"
        seed = self.spec.seed if dataset == "seed" else self.spec.hidden_seed
        run_seed(deployment, seed or "", f"{self.spec.root / seed_name}")
        transcript = run_commands(deployment, commands, self.deadline, self.spec.time_limit)
        run = RedisRun(dataset, who, deployment, transcript)
        self.runs[key] = run
        return run


class RedisEngine:
    name = "redis"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        version = redis_version()
        if version is None:
            return {"redis": f"redis-server is not installed (looked for {REDIS_SERVER}; set REDIS_SERVER)"}
        if version < (7, 0):
            found = ".".join(map(str, version))
            return {"redis": f"redis-server 7.0 or newer is needed for ACLs and CLUSTER ADDSLOTSRANGE (found {found})"}
        missing = {}
        for capability in spec.requires:
            if capability not in CAPABILITIES:
                missing[capability] = (
                    f"this installation's Redis does not provide '{capability}' (no modules installed)"
                )
        return missing

    @contextmanager
    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[RedisAttempt]:
        options = RedisOptions.from_spec(spec)
        commands = parse_answer(answer, spec.topology, options.learner_config)
        with ExitStack() as stack:
            attempt = RedisAttempt(
                spec=spec, answer=answer, deadline=deadline, commands=commands, options=options, stack=stack
            )
            attempt.run_on("seed")
            yield attempt


ENGINE = RedisEngine()


# --------------------------------------------------------------------------- bench


def bench_redis_cluster_ready(rounds: int = 5, shards: int = DEFAULT_SHARDS) -> dict[str, float]:
    """Median seconds until a cluster takes the learner's first command: cold (start the
    processes, form the cluster) and warm (take a spare from WARM_CLUSTERS and apply the lab's
    options), plus a standalone server for comparison. Used by labs.bench."""

    def ready_check(deployment: RedisDeployment) -> None:
        router = CommandRouter(deployment, learner=True)
        try:
            router.call("SET", "bench:{x}", "1")
        finally:
            router.close()

    options = RedisOptions(shards=shards)
    cold, warm, standalone = [], [], []
    previous = os.environ.get("INDEXED_REDIS_WARM_CLUSTERS")
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            deployment = start_deployment("cluster", options)
            ready_check(deployment)
            cold.append(time.perf_counter() - started)
            deployment.stop()

            started = time.perf_counter()
            deployment = start_deployment("standalone", options)
            ready_check(deployment)
            standalone.append(time.perf_counter() - started)
            deployment.stop()
        os.environ["INDEXED_REDIS_WARM_CLUSTERS"] = "1"
        for _ in range(rounds):
            WARM_CLUSTERS.refill(shards)
            if not WARM_CLUSTERS.wait_ready(shards):
                raise SandboxError("no warm cluster became ready within 30 s")
            started = time.perf_counter()
            with deploy("cluster", options) as deployment:
                ready_check(deployment)
                warm.append(time.perf_counter() - started)
    finally:
        WARM_CLUSTERS.shutdown()
        if previous is None:
            os.environ.pop("INDEXED_REDIS_WARM_CLUSTERS", None)
        else:
            os.environ["INDEXED_REDIS_WARM_CLUSTERS"] = previous
    return {
        "cluster_warm_spare_s": round(statistics.median(warm), 4),
        "cluster_cold_s": round(statistics.median(cold), 4),
        "standalone_s": round(statistics.median(standalone), 4),
    }
