"""The Patroni engine: one attempt = one fresh cluster built from the learner's configuration.

The answer is validated before anything starts (a refused setting never reaches a server),
then the cluster boots with it; the drill runs once, the first time a check asks for it, and
every check reads the same report. The learner's clock starts when the cluster is healthy:
booting three members is the platform's work, not the answer's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labs.attempt import Attempt
from labs.engines.patroni.cluster import ETCD, HAPROXY, PATRONI, PG_BIN, PatroniCluster
from labs.engines.patroni.config import FailoverConfig, parse_answer
from labs.engines.patroni.drill import DrillReport, run_drill
from labs.sandbox import base
from labs.sandbox import box as boxes
from labs.sandbox.box import Limits

if TYPE_CHECKING:
    from labs.spec import LabSpec

START_TIMEOUT = 60.0  # seconds for etcd, three members and HAProxy to be healthy (cold: ~9 s here)
DEFAULT_WATCH_SECONDS = 25.0
# Three PostgreSQL servers, three Python agents, etcd and HAProxy: more than one server's box.
LIMITS: dict[str, int] = {"memory_bytes": 1536 << 20, "disk_bytes": 1 << 30, "pids": 768}
RECENT_TIMINGS: list[dict[str, float]] = []  # the bench reads the phases of recent attempts


@dataclass
class PatroniAttempt(Attempt):
    config: FailoverConfig = field(default_factory=FailoverConfig)
    cluster: PatroniCluster | None = None
    report: DrillReport | None = None

    def drill(self) -> DrillReport:
        """The failover drill's report, run on first use (every check shares one drill)."""
        if self.report is None:
            assert self.cluster is not None
            started = time.monotonic()
            watch = float(self.spec.engine_options.get("watch_seconds", DEFAULT_WATCH_SECONDS))
            self.report = run_drill(self.cluster, watch, self.deadline - 1.0)
            self.time_phase("drill", started)
        return self.report

    def time_phase(self, phase: str, started: float) -> None:
        self.notes.setdefault("timings", {})[phase] = round(time.monotonic() - started, 3)

    def limit_breach(self) -> str | None:
        box = self.cluster.sandbox.box if self.cluster is not None else None
        return box.breach() if box is not None else None

    def abort(self) -> None:
        """The runner's watchdog gave up: kill every server so the grading thread's waits end."""
        if self.cluster is not None:
            self.cluster.close()


class PatroniEngine:
    name = "patroni"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        missing = {}
        programs = {"patroni": PATRONI, "etcd": ETCD, "haproxy": HAPROXY, "postgres": PG_BIN / "postgres"}
        for label, path in programs.items():
            if not path.is_file():
                missing[label] = f"{path} is not installed (Debian: patroni, etcd-server, haproxy, postgresql-15)"
        if not base.is_root() or not boxes.enabled():
            # Patroni members, etcd and HAProxy all listen on 127.0.0.1: without a network
            # namespace of its own, one attempt would share the host's loopback with the site.
            missing["box"] = "Patroni labs need boxed sandboxes (root and INDEXED_BOX=on) for a private loopback"
        return missing

    @contextmanager
    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Iterator[PatroniAttempt]:
        config = parse_answer(answer)  # AnswerRejected before any server starts
        opened = time.monotonic()
        sandbox = base.make_sandbox_dir("patroni", limits=Limits.from_env(**LIMITS))
        cluster = PatroniCluster(sandbox, config)
        attempt = PatroniAttempt(spec=spec, answer=answer, deadline=deadline, config=config, cluster=cluster)
        try:
            cluster.start(START_TIMEOUT)
            attempt.time_phase("start", opened)
            attempt.deadline += time.monotonic() - opened  # the learner's clock starts now
            yield attempt
        finally:
            started = time.monotonic()
            try:
                cluster.close()
            finally:
                base.remove_sandbox_dir(sandbox)
                attempt.time_phase("teardown", started)
                RECENT_TIMINGS.append(dict(attempt.notes.get("timings", {})))
                del RECENT_TIMINGS[:-20]


ENGINE = PatroniEngine()
