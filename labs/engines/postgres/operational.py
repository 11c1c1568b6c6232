"""Operational Postgres labs as a whole: what this machine lacks for them, and
``open_operational_attempt(spec, answer, deadline)`` (parse the runbook, build the lab's topology,
run the runbook, tear everything down on every path), to which the Postgres engine hands its
operational labs; plus the PITR grading bench.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labs.engines.postgres import standby_load
from labs.engines.postgres.archive import build_archive
from labs.engines.postgres.cluster import Cluster, OperationalAttempt, ensure_template
from labs.engines.postgres.scenario import LabConfigError
from labs.engines.postgres.settings import OPERATIONAL_TOPOLOGIES, PG_BIN
from labs.engines.postgres.shards import build_shards
from labs.engines.postgres.standby import build_standby
from labs.runbook import parse_lab_runbook
from labs.sandbox import base
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.spec import LabSpec


# Phase timings of the latest attempts (newest last), for the bench and for diagnosing slow grades.
RECENT_TIMINGS: deque[dict[str, float]] = deque(maxlen=20)


def missing_operational_capabilities(spec: LabSpec) -> dict[str, str]:
    """What this installation lacks for an operational lab, each with the reason."""
    missing = {}
    for tool in ("postgres", "initdb", "pg_basebackup"):
        if not (PG_BIN / tool).is_file():
            missing[spec.topology] = f"{PG_BIN / tool} is not installed (PostgreSQL 15 server binaries)"
    if spec.topology == "shards":
        share = subprocess.run([str(PG_BIN / "pg_config"), "--sharedir"], capture_output=True, text=True)
        control = Path(share.stdout.strip() or "/usr/share/postgresql/15") / "extension" / "postgres_fdw.control"
        if not control.is_file():
            missing["postgres_fdw"] = f"{control} is missing (install postgresql-contrib)"
    return missing


@contextmanager
def open_operational_attempt(spec: LabSpec, answer: str, deadline: float) -> Iterator[OperationalAttempt]:
    """Build the lab's topology, play its scenario, run the learner's runbook, and yield the
    attempt to the checks; every instance stops and the sandbox directory goes on every path.

    Raises RunbookError (an AnswerRejected) for an invalid runbook before starting anything,
    AnswerRejected when a step fails because of the runbook, LearnerTimeout when the
    runbook's waits run past the deadline, and SandboxError for our own failures.
    """
    if spec.topology not in OPERATIONAL_TOPOLOGIES:
        raise ValueError(f"{spec.topology!r} is not an operational topology ({', '.join(OPERATIONAL_TOPOLOGIES)})")
    try:
        steps = parse_lab_runbook(spec, answer)
    except LabConfigError as exc:  # the lab's own scenario or shard count is wrong: ours, not the learner's
        raise SandboxError(str(exc)) from None
    with base.sandbox_dir(f"pg-{spec.topology}") as sandbox:
        cluster = Cluster(sandbox)
        attempt: OperationalAttempt | None = None
        try:
            attempt = OperationalAttempt(
                spec=spec, answer=answer, deadline=deadline, topology=spec.topology, cluster=cluster, steps=steps
            )
            attempt.notes["opened"] = time.monotonic()
            TOPOLOGY_BUILDERS[spec.topology](attempt)
            yield attempt
        finally:
            started = time.monotonic()
            try:
                if attempt is not None:
                    standby_load.close_held(attempt)
                cluster.close()
            finally:
                if attempt is not None:
                    attempt.time_phase("teardown", started)
                    RECENT_TIMINGS.append(attempt.notes.get("timings", {}))


TOPOLOGY_BUILDERS = {"archive": build_archive, "standby": build_standby, "shards": build_shards}


# -- bench -------------------------------------------------------------------------------------------


def default_pitr_lab() -> Path:
    """The course's own PITR lab (what learners wait for), or the test fixture without it."""
    root = Path(__file__).resolve().parents[3]  # labs/engines/postgres/ -> the repository
    course_lab = root / "curriculum" / "labs" / "pitr-dropped-table"
    fixture_lab = root / "tests" / "fixtures" / "course" / "labs" / "ops-pitr"
    return course_lab if (course_lab / "lab.toml").exists() else fixture_lab


def bench_pitr_graded(runs: int = 5, lab: str | Path | None = None) -> dict[str, float]:
    """Median seconds to grade a PITR lab's solution end to end (labs.runner.grade),
    with the median of each phase the attempt recorded."""
    from labs.runner import grade
    from labs.spec import load_spec

    spec = load_spec(lab or default_pitr_lab())
    answer = spec.solution_path.read_text()
    ensure_template()  # a worker builds it once; the bench measures attempts, not initdb
    totals, phases = [], {}
    for _ in range(runs):
        started = time.monotonic()
        result = grade(spec, answer)
        totals.append(time.monotonic() - started)
        if result.score != 1.0:
            raise RuntimeError(f"the PITR solution scored {result.score}: {json.dumps(result.to_dict())[:500]}")
        timings = RECENT_TIMINGS[-1] if RECENT_TIMINGS else {}
        for phase, seconds in timings.items():
            phases.setdefault(phase, []).append(seconds)
    figures = {"pitr_graded_s": round(statistics.median(totals), 3), "runs": float(runs)}
    figures.update({f"pitr_{p}_s": round(statistics.median(v), 3) for p, v in phases.items()})
    return figures


class OperationalEngine:
    """The Engine protocol for operational topologies only; labs.sandbox.postgres delegates here."""

    name = "postgres"

    def missing_capabilities(self, spec: LabSpec) -> dict[str, str]:
        return missing_operational_capabilities(spec)

    def open_attempt(self, spec: LabSpec, answer: str, deadline: float) -> Any:
        return open_operational_attempt(spec, answer, deadline)


OPERATIONAL_ENGINE = OperationalEngine()
missing_capabilities = missing_operational_capabilities  # the name labs.sandbox.postgres looks up
