"""Figures for ``python -m labs bench --only patroni``: cluster cold start and a graded drill.

There is no warm pool for Patroni clusters: the drill destroys its cluster's leader, so every
attempt needs a fresh one, and a pool would only move the cold start off the learner's clock.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from labs.engines.patroni.cluster import PatroniCluster
from labs.engines.patroni.config import parse_answer
from labs.engines.patroni.engine import LIMITS, RECENT_TIMINGS, START_TIMEOUT
from labs.sandbox import base
from labs.sandbox.box import Limits

LAB = Path(__file__).resolve().parents[3] / "curriculum" / "labs" / "patroni-failover-drill"


def cluster_cold_start() -> tuple[float, float]:
    """Seconds to a healthy cluster (etcd, three members, HAProxy) and to tear it all down."""
    config = parse_answer("ttl: 10\nloop_wait: 1\nretry_timeout: 3\nsynchronous_mode: true\n")
    started = time.perf_counter()
    sandbox = base.make_sandbox_dir("patroni", limits=Limits.from_env(**LIMITS))
    cluster = PatroniCluster(sandbox, config)
    try:
        cluster.start(START_TIMEOUT)
        ready = time.perf_counter() - started
    finally:
        stopping = time.perf_counter()
        cluster.close()
        base.remove_sandbox_dir(sandbox)
    return ready, time.perf_counter() - stopping


def bench_figures(quick: bool = False) -> dict[str, float]:
    from labs.runner import grade
    from labs.spec import load_spec

    starts, stops = zip(*(cluster_cold_start() for _ in range(1 if quick else 3)), strict=True)
    spec = load_spec(LAB)
    answer = spec.solution_path.read_text(encoding="utf-8")
    graded, drills, recoveries = [], [], []
    for _ in range(1 if quick else 2):
        started = time.perf_counter()
        result = grade(spec, answer)
        graded.append(time.perf_counter() - started)
        if result.score != 1.0:
            raise RuntimeError(f"the reference answer scored {result.score}: {result.message}")
        drills.append(RECENT_TIMINGS[-1].get("drill", 0.0))
        recovery = next(c.artifacts.get("recovery_seconds") for c in result.checks if "recovery_seconds" in c.artifacts)
        recoveries.append(recovery)
    return {
        "cluster_cold_start_s": round(statistics.median(starts), 3),
        "cluster_teardown_s": round(statistics.median(stops), 3),
        "drill_graded_s": round(statistics.median(graded), 3),
        "drill_only_s": round(statistics.median(drills), 3),
        "recovery_measured_s": round(statistics.median(recoveries), 3),
    }
