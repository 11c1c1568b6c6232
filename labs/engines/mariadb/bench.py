"""Figures for ``python -m labs bench --only mariadb``: cold start (template copied, mariadbd
started, ready), a warm attempt (a pooled server hands out a cloned lab database), and the
InnoDB course lab graded warm."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from labs.engines.mariadb import server as mariadb

LAB = Path(__file__).resolve().parents[3] / "curriculum" / "labs" / "innodb-covering-index"


def bench_figures(quick: bool = False) -> dict[str, float]:
    from labs.engines.mariadb import ENGINE
    from labs.runner import grade
    from labs.spec import load_spec

    runs = 3 if quick else 7
    mariadb.template()  # built once per machine; not part of a start
    cold = []
    for _ in range(runs):
        started = time.perf_counter()
        server = mariadb.start_server()
        cold.append(time.perf_counter() - started)
        server.stop()
    spec = load_spec(LAB)
    answer = spec.solution_path.read_text(encoding="utf-8")
    grade(spec, answer)  # warm-up: the pool's server builds the lab database once
    warm, graded = [], []
    for _ in range(runs):
        started = time.perf_counter()
        with ENGINE.open_attempt(spec, answer, time.monotonic() + 30):
            warm.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = grade(spec, answer)
        graded.append(time.perf_counter() - started)
        if result.score != 1.0:
            raise RuntimeError(f"the reference scored {result.score}: {result.message}")
    return {
        "cold_server_ready_s": statistics.median(cold),
        "warm_attempt_ready_s": statistics.median(warm),
        "innodb_lab_graded_warm_s": statistics.median(graded),
    }


REPLICATION_LAB = LAB.parent / "mariadb-gtid-replica"


def bench_replication_figures(quick: bool = False) -> dict[str, float]:
    """The replication topology has no warm pool (each attempt owns its primary and replica):
    both servers started from the template, then the primary seeded, dumped and the dump
    loaded into the replica, then the course lab's solution graded end to end."""
    from labs.engines.mariadb.replication import ReplicationAttempt
    from labs.runner import grade
    from labs.spec import load_spec

    runs = 2 if quick else 5
    mariadb.template()
    spec = load_spec(REPLICATION_LAB)
    answer = spec.solution_path.read_text(encoding="utf-8")
    started_s, provisioned_s, graded_s = [], [], []
    for _ in range(runs):
        attempt = ReplicationAttempt(spec, answer, time.monotonic() + 60)
        try:
            started = time.perf_counter()
            attempt.start()
            started_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            attempt.seed()
            provisioned_s.append(time.perf_counter() - started)
        finally:
            attempt.close()
        started = time.perf_counter()
        result = grade(spec, answer)
        graded_s.append(time.perf_counter() - started)
        if result.score != 1.0:
            raise RuntimeError(f"the reference scored {result.score}: {result.message}")
    return {
        "cold_primary_and_replica_ready_s": statistics.median(started_s),
        "replica_provisioned_from_dump_s": statistics.median(provisioned_s),
        "gtid_lab_graded_s": statistics.median(graded_s),
    }
