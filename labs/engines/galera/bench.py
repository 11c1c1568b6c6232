"""Figures for ``python -m labs bench --only galera``: a three-node cluster formed cold (node1
bootstrapped, node2 and node3 joined by rsync SST: what building the cluster template costs,
once per machine), a cluster started from the template (what every attempt pays: three
copies re-form their primary component by pc.recovery; there is no pool of running
clusters), and the course lab's solution graded end to end."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

LAB = Path(__file__).resolve().parents[3] / "curriculum" / "labs" / "galera-certification-quorum"


def bench_figures(quick: bool = False) -> dict[str, float]:
    from labs.engines.galera.cluster import cluster_template, form_cluster, start_cluster
    from labs.engines.mariadb import server as mariadb
    from labs.runner import grade
    from labs.spec import load_spec

    runs = 1 if quick else 3
    mariadb.template()  # built once per machine; not part of a start
    cluster_template()
    bootstrap, formed, from_template = [], [], []
    for _ in range(runs):
        cluster = form_cluster()
        bootstrap.append(cluster.timings["bootstrap_s"])
        formed.append(cluster.timings["synced_s"])
        cluster.stop()
        cluster = start_cluster()
        from_template.append(cluster.timings["synced_s"])
        cluster.stop()
    spec = load_spec(LAB)
    answer = spec.solution_path.read_text(encoding="utf-8")
    graded = []
    for _ in range(runs):
        started = time.perf_counter()
        result = grade(spec, answer)
        graded.append(time.perf_counter() - started)
        if result.score != 1.0:
            raise RuntimeError(f"the reference scored {result.score}: {result.message}")
    return {
        "cold_node1_bootstrapped_s": statistics.median(bootstrap),
        "cold_3_nodes_formed_by_sst_s": statistics.median(formed),
        "warm_3_nodes_from_template_s": statistics.median(from_template),
        "certification_quorum_lab_graded_s": statistics.median(graded),
    }
