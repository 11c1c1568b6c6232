"""Bench figures for PgBouncer (``python -m labs bench --only pgbouncer``)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

LAB = Path(__file__).resolve().parents[3] / "curriculum" / "labs" / "pgbouncer-transaction-pooling"


def bench_figures(quick: bool = False) -> dict[str, float]:
    """Median seconds of the course lab's solution graded end to end, with the phases the attempt
    recorded (server ready, direct baseline, PgBouncer ready, pooled load) and the throughputs."""
    from labs.engines.pgbouncer import attempt as pooler_attempt
    from labs.runner import grade
    from labs.spec import load_spec

    spec = load_spec(LAB)
    answer = spec.solution_path.read_text()
    runs = 1 if quick else 3
    totals: list[float] = []
    phases: dict[str, list[float]] = {}
    original = pooler_attempt.timed

    def record(attempt, phase: str, started: float) -> None:  # type: ignore[no-untyped-def]
        original(attempt, phase, started)
        phases.setdefault(phase, []).append(attempt.notes["timings"][phase])

    pooler_attempt.timed = record
    figures: dict[str, float] = {}
    try:
        for _ in range(runs):
            started = time.monotonic()
            result = grade(spec, answer)
            totals.append(time.monotonic() - started)
            if result.score != 1.0:
                raise RuntimeError(f"the PgBouncer solution scored {result.score}: {result.message[:300]}")
            throughput = next(c for c in result.checks if c.artifacts.get("direct_tps"))
            for key in ("direct_tps", "pooled_tps", "percent"):
                phases.setdefault(key, []).append(float(throughput.artifacts[key]))
    finally:
        pooler_attempt.timed = original
    figures["lab_graded_s"] = round(statistics.median(totals), 3)
    for phase, values in phases.items():
        suffix = "" if phase in ("direct_tps", "pooled_tps", "percent") else "_s"
        figures[f"{phase}{suffix}"] = round(statistics.median(values), 3)
    return figures
