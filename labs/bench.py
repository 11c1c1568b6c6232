"""``python -m labs bench``: how fast sandboxes start and grades run, as medians.

Each bench is a function ``(quick: bool) -> dict[str, float]`` registered in ``BENCHES``
with the targets from the lab-runtime issue. Other engines add theirs by appending a
``Bench`` (or with the ``@bench`` decorator) in this file; a bench whose engine module is
missing on this installation raises ``BenchSkipped`` and is reported as skipped.

The Postgres benches grade a tiny lab written to a temporary folder, so they run the same
on a deployed worker as in a checkout.
"""

from __future__ import annotations

import importlib
import multiprocessing
import shutil
import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from labs.sandbox import base


class BenchSkipped(Exception):
    """This installation cannot run the bench (the reason is printed)."""


@dataclass
class Bench:
    name: str
    target: str  # what the issue asks for, shown next to the figure
    run: Callable[[bool], dict[str, float]]


BENCHES: list[Bench] = []


def bench(name: str, target: str = "") -> Callable:
    def register(fn: Callable[[bool], dict[str, float]]) -> Callable[[bool], dict[str, float]]:
        BENCHES.append(Bench(name, target, fn))
        return fn

    return register


def run_benches(quick: bool = False, only: list[str] | None = None) -> int:
    print(f"sandbox root: {base.SANDBOX_ROOT}")
    print(f"{'bench':<34} {'figure':<28} {'median':>10}  target")
    failed = False
    for item in BENCHES:
        if only and not any(word in item.name for word in only):
            continue
        try:
            figures = item.run(quick)
        except BenchSkipped as exc:
            print(f"{item.name:<34} {'skipped':<28} {'':>10}  {exc}")
            continue
        except Exception as exc:  # one broken bench must not hide the others' figures
            failed = True
            print(f"{item.name:<34} {'FAILED':<28} {'':>10}  {type(exc).__name__}: {exc}")
            continue
        for i, (figure, value) in enumerate(figures.items()):
            print(f"{item.name if i == 0 else '':<34} {figure:<28} {value:>10.4g}  {item.target if i == 0 else ''}")
    return 1 if failed else 0


def median_of(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


# --------------------------------------------------------------------------- a tiny lab

_LAB_TOML = """
id = "bench-result"
title = "bench: orders per customer"
engine = "postgres"
topology = "{topology}"
time_limit = 10

[[checks]]
type = "result"
"""
_SETUP = """
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers, amount numeric);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, g % 50 + 1, g * 1.5 FROM generate_series(1, 500) g;
"""
_SOLUTION = """
SELECT c.id, c.name, count(o.id) AS orders, coalesce(sum(o.amount), 0) AS total
FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.name ORDER BY total DESC, c.id;
"""


@contextmanager
def bench_lab(topology: str = "database") -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="indexed-bench-"))
    try:
        (folder / "lab.toml").write_text(textwrap.dedent(_LAB_TOML.format(topology=topology)))
        (folder / "setup.sql").write_text(_SETUP)
        (folder / "solution.sql").write_text(_SOLUTION)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- Postgres


@bench("postgres: attempt database ready", "≤ 50 ms")
def bench_attempt_ready(quick: bool) -> dict[str, float]:
    """Clone of the lab's template database on a warm instance, learner connected."""
    from labs.sandbox.postgres import ENGINE, VISIBLE
    from labs.spec import load_spec

    with bench_lab() as folder:
        spec = load_spec(folder)
        samples = []
        for i in range(8 if quick else 30):
            started = time.perf_counter()
            with ENGINE.open_attempt(spec, _SOLUTION, time.monotonic() + 30) as attempt:
                attempt.learner(VISIBLE)
                if i:  # the first one builds the template database
                    samples.append(time.perf_counter() - started)
    return {"attempt_ready_s": median_of(samples)}


@bench("postgres: cold instance", "≤ 300 ms")
def bench_cold_instance(quick: bool) -> dict[str, float]:
    """Copy of the template data directory, postgres started, first admin query answered."""
    from labs.sandbox.postgres import initdb_template, start_instance

    initdb_template()
    samples = []
    for _ in range(3 if quick else 7):
        started = time.perf_counter()
        with start_instance() as instance:
            instance.execute("SELECT 1")
            samples.append(time.perf_counter() - started)
    return {"cold_instance_s": median_of(samples)}


@bench("postgres: result lab graded", "≤ 100 ms")
def bench_result_graded(quick: bool) -> dict[str, float]:
    from labs.runner import grade
    from labs.spec import load_spec

    figures = {}
    for topology in ("database", "readonly"):
        with bench_lab(topology) as folder:
            spec = load_spec(folder)
            grade(spec, _SOLUTION)  # warm: instance, template database, reference rows
            samples = []
            for _ in range(10 if quick else 40):
                started = time.perf_counter()
                result = grade(spec, _SOLUTION)
                samples.append(time.perf_counter() - started)
                if result.score != 1.0:
                    raise RuntimeError(f"the bench solution scored {result.score}: {result.message}")
        figures[f"graded_{topology}_s"] = median_of(samples)
    return figures


def _grade_loop(folder: str, seconds: float, start, counts) -> None:  # runs in a child process
    from labs.runner import grade
    from labs.spec import load_spec

    spec = load_spec(folder)
    grade(spec, _SOLUTION)
    start.wait()
    done, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        grade(spec, _SOLUTION)
        done += 1
    counts.put(done)


@bench("postgres: grades per second, 2 processes", "≥ 40/s")
def bench_throughput(quick: bool) -> dict[str, float]:
    seconds = 3.0 if quick else 8.0
    context = multiprocessing.get_context("spawn")
    figures = {}
    for topology in ("database", "readonly"):
        with bench_lab(topology) as folder:
            start, counts = context.Barrier(3), context.Queue()
            workers = [
                context.Process(target=_grade_loop, args=(str(folder), seconds, start, counts)) for _ in range(2)
            ]
            for worker in workers:
                worker.start()
            start.wait(timeout=120)
            total = sum(counts.get(timeout=seconds + 120) for _ in workers)
            for worker in workers:
                worker.join(timeout=30)
        figures[f"grades_per_s_{topology}"] = round(total / seconds, 1)
    return figures


@bench("postgres: idle instance memory", "PSS")
def bench_idle_memory(quick: bool) -> dict[str, float]:
    from labs.sandbox.postgres import start_instance

    with start_instance() as instance:
        instance.execute("SELECT 1")
        time.sleep(1.0)
        processes = 1 + len(instance.backend_pids())
        return {"idle_pss_mb": round(instance.pss_kb() / 1024, 1), "processes": float(processes)}


# --------------------------------------------------------------------------- other engines


def _optional(module: str, function: str) -> Callable:
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise BenchSkipped(f"{module}.{function} is not available: {exc}") from None


@bench("postgres: PITR lab graded", "≤ 1 s warm")
def bench_pitr(quick: bool) -> dict[str, float]:
    return _optional("labs.sandbox.pg_cluster", "bench_pitr_graded")(runs=2 if quick else 5)


@bench("redis: 3-shard cluster ready", "≤ 1 s")
def bench_redis_cluster(quick: bool) -> dict[str, float]:
    return _optional("labs.sandbox.redis", "bench_redis_cluster_ready")(rounds=2 if quick else 5)


def _course_lab_graded(lab: str, runs: int) -> float:
    """Median seconds to grade a course lab's reference answer, after one warm-up grade (which
    builds the per-lab caches and, for clusters, leaves a warm spare behind)."""
    from labs.runner import grade
    from labs.spec import load_spec

    folder = Path(__file__).resolve().parents[1] / "curriculum" / "labs" / lab
    if not (folder / "lab.toml").exists():
        raise BenchSkipped(f"no course lab at {folder}")
    spec = load_spec(folder)
    answer = spec.solution_path.read_text(encoding="utf-8")
    grade(spec, answer)
    samples = []
    for _ in range(runs):
        if spec.topology == "cluster":
            from labs.sandbox.redis import WARM_CLUSTERS

            WARM_CLUSTERS.wait_ready(3)  # warm means a spare is there, as on a worker between attempts
        started = time.perf_counter()
        result = grade(spec, answer)
        samples.append(time.perf_counter() - started)
        if result.score != 1.0:
            raise RuntimeError(f"{lab}: the reference scored {result.score}: {result.message}")
    return median_of(samples)


@bench("redis: course labs graded", "≤ 100 ms warm")
def bench_redis_labs(quick: bool) -> dict[str, float]:
    runs = 3 if quick else 10
    return {
        "leaderboard_graded_s": _course_lab_graded("redis-leaderboard", runs),
        "cluster_hash_tags_graded_s": _course_lab_graded("redis-cluster-hash-tags", runs),
    }


@bench("mariadb: server ready, lab graded", "cold ≤ 3 s, warm ≤ 1 s")
def bench_mariadb(quick: bool) -> dict[str, float]:
    return _optional("labs.engines.mariadb.bench", "bench_figures")(quick=quick)


@bench("mariadb: primary + GTID replica", "cold only (no pool); lab graded")
def bench_mariadb_replication(quick: bool) -> dict[str, float]:
    return _optional("labs.engines.mariadb.bench", "bench_replication_figures")(quick=quick)


@bench("galera: 3-node cluster, lab graded", "cold: bootstrap + 2 SST joins; warm: template")
def bench_galera(quick: bool) -> dict[str, float]:
    return _optional("labs.engines.galera.bench", "bench_figures")(quick=quick)


@bench("patroni: 3-member cluster, failover drill", "cold start; drill graded (SLA 20 s)")
def bench_patroni(quick: bool) -> dict[str, float]:
    return _optional("labs.engines.patroni.bench", "bench_figures")(quick=quick)


@bench("pgbackrest: backups under load, time restore", "full+diff+incr, destroy, restore --type=time")
def bench_pgbackrest(quick: bool) -> dict[str, float]:
    return _optional("labs.engines.pgbackrest.bench", "bench_figures")(quick=quick)


@bench("pgbouncer: transaction pooling under pgbench", "baseline 2 s + pooled load 3 s; solution graded")
def bench_pgbouncer(quick: bool) -> dict[str, float]:
    return _optional("labs.engines.pgbouncer.bench", "bench_figures")(quick=quick)


@contextmanager
def _boxes(mode: str) -> Iterator[None]:
    """Run a bench with sandboxes boxed ("on") or not ("off"), on fresh pooled instances."""
    from labs.sandbox import box, postgres

    saved = box.BOX_MODE
    postgres.POOL.close()
    box.BOX_MODE = mode
    try:
        yield
    finally:
        postgres.POOL.close()
        box.BOX_MODE = saved


@bench("box: what containment costs", "≤ 10 ms added to a warm attempt")
def bench_box_cost(quick: bool) -> dict[str, float]:
    """Warm attempt and cold instance, boxed and not; and one box made and undone alone."""
    from labs.sandbox import box

    if box.probe() is not None:
        raise BenchSkipped(f"this host cannot box sandboxes: {box.probe()}")
    figures: dict[str, float] = {}
    for mode in ("off", "on"):
        with _boxes(mode):
            figures[f"warm_attempt_box_{mode}_s"] = bench_attempt_ready(quick)["attempt_ready_s"]
            figures[f"cold_instance_box_{mode}_s"] = bench_cold_instance(quick)["cold_instance_s"]
    figures["warm_attempt_added_ms"] = round(
        (figures["warm_attempt_box_on_s"] - figures["warm_attempt_box_off_s"]) * 1000, 2
    )
    figures["cold_instance_added_ms"] = round(
        (figures["cold_instance_box_on_s"] - figures["cold_instance_box_off_s"]) * 1000, 2
    )
    samples = []
    for _ in range(5 if quick else 15):
        folder = Path(tempfile.mkdtemp(prefix="indexed-box-bench-"))
        started = time.perf_counter()
        made = box.Box.create(folder, box.Limits.from_env())
        made.close()
        samples.append(time.perf_counter() - started)
        folder.rmdir()
    figures["box_create_and_close_s"] = median_of(samples)
    return figures
