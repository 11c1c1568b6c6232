"""Bench figures for pgBackRest (``python -m labs bench --only pgbackrest``)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

LAB = Path(__file__).resolve().parents[3] / "curriculum" / "labs" / "pgbackrest-full-diff-incr"


def bench_figures(quick: bool = False) -> dict[str, float]:
    """Median seconds of the course lab's solution graded end to end, with the phases the
    attempt recorded: the learner's commands (stanza-create, full, diff, incr under load),
    the destroy + time restore until promoted, and the two later fulls with retention."""
    from labs.engines.pgbackrest import attempt as backrest_attempt
    from labs.runner import grade
    from labs.spec import load_spec

    spec = load_spec(LAB)
    answer = spec.solution_path.read_text()
    runs = 1 if quick else 3
    totals: list[float] = []
    phases: dict[str, list[float]] = {}
    original = backrest_attempt.timed

    def record(attempt, phase: str, started: float) -> None:  # type: ignore[no-untyped-def]
        original(attempt, phase, started)
        phases.setdefault(phase, []).append(attempt.notes["timings"][phase])
        if phase == "restore":
            seconds = attempt.notes.get("restore", {}).get("seconds_to_promoted")
            if seconds is not None:
                phases.setdefault("restore_to_promoted", []).append(seconds)

    backrest_attempt.timed = record
    try:
        for _ in range(runs):
            started = time.monotonic()
            result = grade(spec, answer)
            totals.append(time.monotonic() - started)
            if result.score != 1.0:
                raise RuntimeError(f"the pgBackRest solution scored {result.score}: {result.message[:300]}")
    finally:
        backrest_attempt.timed = original
    figures = {"lab_graded_s": round(statistics.median(totals), 3)}
    figures.update({f"{phase}_s": round(statistics.median(values), 3) for phase, values in phases.items()})
    return figures
