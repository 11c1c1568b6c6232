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
