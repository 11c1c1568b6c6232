"""Operational Postgres labs against real servers: PITR, a streaming standby, postgres_fdw shards.

Every test here starts real ``postgres`` processes under a private sandbox root, and the
module checks at the end that no process and no sandbox directory of ours is left.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected, LearnerTimeout
from labs.engines.postgres import archive as pg_archive
from labs.result import GRADED, PLATFORM_ERROR, REJECTED
from labs.runner import grade
from labs.sandbox import base, pg_cluster
from labs.spec import load_spec

LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"
PITR, STANDBY, SHARDS = LABS / "ops-pitr", LABS / "ops-standby", LABS / "ops-shards"

pytestmark = pytest.mark.skipif(not (pg_cluster.PG_BIN / "postgres").is_file(), reason="PostgreSQL 15 not installed")


@pytest.fixture(scope="module", autouse=True)
def private_sandbox_root():
    """Our own SANDBOX_ROOT (tmpfs when there is one: copies of data directories are 5× faster
    there), checked empty of our processes and sandboxes, then removed, when the module ends."""
    parent = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="isb-ops-", dir=parent))  # short: unix socket paths max 107 bytes
    os.chmod(root, 0o755)  # the unprivileged sandbox user must traverse it
    patch = pytest.MonkeyPatch()
    patch.setattr(base, "SANDBOX_ROOT", root / "s")
    try:
        yield root
        assert leftover_processes(root) == [], "sandbox processes outlived the tests"
        assert leftover_sandboxes(root / "s") == [], "sandbox directories outlived the tests"
    finally:
        patch.undo()
        for pid in leftover_processes(root):  # only if an assertion above failed: leave nothing running
            base.kill_process(pid)
        shutil.rmtree(root, ignore_errors=True)


def leftover_processes(root: Path) -> list[int]:
    """Processes whose working directory lies under ``root`` (postgres chdirs into its data dir,
    and its children rename themselves, so the command line would miss them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd").startswith(str(root)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def leftover_sandboxes(sandbox_root: Path) -> list[str]:
    """Sandbox directories still there; the engine's persistent template cache does not count."""
    if not sandbox_root.exists():
        return []
    return sorted(p.name for p in sandbox_root.iterdir() if p.name != "templates")


def assert_nothing_left(root: Path) -> None:
    assert leftover_sandboxes(root / "s") == []
    assert leftover_processes(root) == []


def grade_file(lab: Path, answer: str | Path):
    spec = load_spec(lab)
    text = (lab / answer).read_text() if isinstance(answer, Path) or answer.endswith(".runbook") else answer
    return grade(spec, text)


def failing_messages(result) -> str:
    return "\n".join(f"{c.name}: {c.message} | {c.hint}" for c in result.checks if not c.passed)


# -- every fixture lab: the solution passes, each wrong answer fails with the expected message --

EXPECTED_FAILURES = {
    (PITR, "wrong/after_drop.runbook"): [
        "orders does not exist on the recovered server, so it has 0 of the 1500 rows",
        "payments holds 200 rows written after the DROP TABLE",
    ],
    (PITR, "wrong/inclusive_xid.runbook"): [
        "recovery_target_inclusive defaults to true, so recovery replayed it",
    ],
    (PITR, "wrong/forgot_promote.runbook"): [
        "still in recovery (paused at its recovery target) on timeline 1",
        "recovery_target_action defaults to pause",
    ],
    (PITR, "wrong/too_early.runbook"): [
        "orders has 1000 of the 1500 rows committed before the DROP TABLE",
        "your recovery target is too early",
    ],
    (PITR, "wrong/no_target.runbook"): ["Without a recovery target, recovery replays the whole archive"],
    (STANDBY, "wrong/no_slot.runbook"): ["Expected a physical replication slot at all on the primary; it has none"],
    (STANDBY, "wrong/unused_slot.runbook"): ["Slot standby1 exists but no standby streams through it"],
    (STANDBY, "wrong/apply_delay.runbook"): [
        "had not appeared on the standby after 2 s",
        "recovery_min_apply_delay = 10s",
    ],
    (STANDBY, "wrong/promoted.runbook"): ["The standby accepted a write", "the standby was promoted"],
    (SHARDS, "wrong/by_order_id.runbook"): ["reads 3 shards", "partitioned by hash(id)"],
    (SHARDS, "wrong/range_skew.runbook"): ["Rows of orders are skewed", "allowed 1.5×"],
}


@pytest.mark.parametrize("lab", [PITR, STANDBY, SHARDS], ids=lambda p: p.name)
def test_the_reference_solution_scores_full_marks(lab, private_sandbox_root):
    result = grade_file(lab, "solution.runbook")
    assert (result.status, result.score) == (GRADED, 1.0), failing_messages(result) or result.message
    assert all(c.message for c in result.checks)
    assert_nothing_left(private_sandbox_root)


@pytest.mark.parametrize(("lab", "answer"), list(EXPECTED_FAILURES), ids=lambda v: getattr(v, "name", v))
def test_a_wrong_runbook_fails_with_a_helpful_message(lab, answer, private_sandbox_root):
    result = grade_file(lab, answer)
    assert result.status == GRADED and result.gradable, result.message
    assert result.score < 1.0
    text = failing_messages(result)
    for expected in EXPECTED_FAILURES[(lab, answer)]:
        assert expected in text
    assert all(c.hint for c in result.checks if not c.passed)
    assert_nothing_left(private_sandbox_root)


def test_every_wrong_fixture_runbook_is_covered_above():
    covered = {(lab, answer) for lab, answer in EXPECTED_FAILURES} | {(SHARDS, "wrong/missing_remainder.runbook")}
    on_disk = {(lab, f"wrong/{p.name}") for lab in (PITR, STANDBY, SHARDS) for p in (lab / "wrong").glob("*.runbook")}
    assert on_disk == covered


def test_a_step_that_fails_at_run_time_rejects_the_runbook_with_its_line(private_sandbox_root):
    result = grade_file(SHARDS, "wrong/missing_remainder.runbook")
    assert (result.status, result.score, result.gradable) == (REJECTED, 0.0, True)
    assert result.message.startswith('line 5 (copy_rows orders) failed: no partition of relation "orders"')
    assert "every remainder of the modulus" in result.message
    assert_nothing_left(private_sandbox_root)


# -- PITR specifics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "runbook",
    [
        "restore_base_backup\nset recovery_target_time @drop.time\nset recovery_target_action promote\nstart\n",
        "restore_base_backup\nset recovery_target_xid @drop.xid\nset recovery_target_inclusive false\n"
        "set recovery_target_action promote\nstart\n",
        "restore_base_backup\nset recovery_target_lsn @drop.lsn\nstart\npromote\n",
    ],
    ids=["time", "xid-exclusive", "lsn-then-promote"],
)
def test_other_correct_recovery_targets_also_score_full_marks(runbook, private_sandbox_root):
    result = grade_file(PITR, runbook)
    assert (result.status, result.score) == (GRADED, 1.0), failing_messages(result) or result.message


def test_recovery_promotes_onto_a_new_timeline_and_tears_everything_down(private_sandbox_root):
    spec = load_spec(PITR)
    with pg_cluster.open_operational_attempt(spec, spec.solution_path.read_text(), time.monotonic() + 30) as attempt:
        marks = attempt.notes["marks"]
        assert set(marks) == {"drop", "alert"}
        assert marks["drop"]["xid"] < marks["alert"]["xid"] and marks["drop"]["lsn"] < marks["drop"]["end_lsn"]
        recovered = attempt.server("recovered")
        with attempt.connect("recovered") as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
            conn.execute("CHECKPOINT")
            assert conn.execute("SELECT timeline_id FROM pg_control_checkpoint()").fetchone()[0] == 2
        controldata = subprocess.run(
            [str(pg_cluster.PG_BIN / "pg_controldata"), str(recovered.data_dir)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Latest checkpoint's TimeLineID:       2" in controldata
        assert (recovered.data_dir / "pg_wal" / "00000002.history").is_file()
        # The lost primary lived in the per-lab incident cache's own sandbox, never in this attempt's.
        assert attempt.server("primary") is None
        pids = [i.process.pid for i in attempt.cluster.instances.values() if i.process]
        sandbox = attempt.cluster.sandbox.path
    assert not sandbox.exists()
    assert not any(base.pid_alive(pid) for pid in pids)
    assert_nothing_left(private_sandbox_root)


def test_a_target_beyond_the_archive_is_rejected_with_the_reason(private_sandbox_root):
    result = grade_file(
        PITR,
        "restore_base_backup\nset recovery_target_time @alert.time + 10min\n"
        "set recovery_target_action promote\nstart\n",
    )
    assert (result.status, result.gradable) == (REJECTED, True)
    assert "recovery ended before configured recovery target was reached" in result.message
    assert "Recovery replayed every archived WAL file without reaching your target" in result.message
    assert_nothing_left(private_sandbox_root)


def test_an_invalid_runbook_is_rejected_before_any_server_starts(private_sandbox_root, monkeypatch):
    started = []
    monkeypatch.setattr(pg_cluster.Cluster, "launch", lambda *a, **k: started.append(a))
    result = grade_file(PITR, "restore_base_backup\nset recovery_target_name before_drop\nstrat\n")
    assert (result.status, result.score) == (REJECTED, 0.0)
    assert result.message == ("line 3: unknown step 'strat' — did you mean 'start'?")
    assert started == []


def test_an_exception_mid_runbook_stops_every_server_and_removes_the_sandbox(private_sandbox_root, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("injected failure while promoting")

    monkeypatch.setattr(pg_archive, "promote", explode)  # looked up where the archive runbook runs
    spec = load_spec(PITR)
    seen = {}
    runbook = "restore_base_backup\nset recovery_target_name 'before_drop'\nstart\npromote\n"
    with (
        pytest.raises(RuntimeError, match="injected failure"),
        pg_cluster.open_operational_attempt(spec, runbook, time.monotonic() + 30) as attempt,
    ):
        seen["attempt"] = attempt  # never reached: promote raises inside the runbook
    assert "attempt" not in seen
    assert_nothing_left(private_sandbox_root)
    # Through the grader the same fault is ours, not the learner's: the attempt does not count.
    result = grade_file(PITR, "restore_base_backup\nset recovery_target_name 'before_drop'\nstart\npromote\n")
    assert (result.status, result.gradable) == (PLATFORM_ERROR, False)
    assert_nothing_left(private_sandbox_root)


def test_an_exception_inside_the_checks_also_tears_down(private_sandbox_root):
    spec = load_spec(STANDBY)
    with (
        pytest.raises(KeyError),
        pg_cluster.open_operational_attempt(spec, spec.solution_path.read_text(), time.monotonic() + 30) as attempt,
    ):
        assert attempt.server("standby").running() and attempt.server("primary").running()
        raise KeyError("a check crashed")
    assert_nothing_left(private_sandbox_root)


def test_unknown_marks_are_refused_with_the_labs_marks(private_sandbox_root):
    spec = load_spec(PITR)
    runbook = "restore_base_backup\nset recovery_target_time @incident.time\nstart\n"
    with (
        pytest.raises(AnswerRejected, match="unknown mark @incident; this lab's marks: alert, drop"),
        pg_cluster.open_operational_attempt(spec, runbook, time.monotonic() + 30),
    ):
        pass
    assert_nothing_left(private_sandbox_root)


# -- standby specifics ---------------------------------------------------------------------------


def test_the_standby_reports_lag_and_its_slot(private_sandbox_root):
    spec = load_spec(STANDBY)
    with pg_cluster.open_operational_attempt(spec, spec.solution_path.read_text(), time.monotonic() + 30) as attempt:
        assert attempt.notes["catchup"]["reached"] is True
        with attempt.connect("primary") as conn:
            slot, active = conn.execute("SELECT slot_name, active FROM pg_replication_slots").fetchone()
            (state,) = conn.execute("SELECT state FROM pg_stat_replication").fetchone()
        assert (slot, active, state) == ("standby1", True, "streaming")
        with attempt.connect("standby") as conn:
            assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 2000
            assert conn.execute("SHOW hot_standby_feedback").fetchone()[0] == "on"
    assert_nothing_left(private_sandbox_root)


def test_a_standby_without_hot_standby_is_judged_without_reading_from_it(private_sandbox_root):
    result = grade_file(
        STANDBY, "create_replication_slot s1\ntake_base_backup slot=s1\nset hot_standby off\nstart_standby\n"
    )
    by_name = {c.name: c for c in result.checks}
    read_only = by_name["the standby serves reads and refuses writes"]
    assert not read_only.passed and "accepts no connections at all" in read_only.message
    assert by_name["a write on the primary reaches the standby within 2 s"].passed
    assert (
        "saw the standby report replaying it"
        in by_name["a write on the primary reaches the standby within 2 s"].message
    )
    assert_nothing_left(private_sandbox_root)


# -- shards specifics ------------------------------------------------------------------------------


def test_shards_are_real_servers_joined_with_postgres_fdw(private_sandbox_root):
    spec = load_spec(SHARDS)
    with pg_cluster.open_operational_attempt(spec, spec.solution_path.read_text(), time.monotonic() + 30) as attempt:
        assert attempt.shard_roles() == ["shard1", "shard2", "shard3"]
        ports = {attempt.server(r).port for r in ["coordinator", *attempt.shard_roles()]}
        assert len(ports) == 4
        with attempt.connect("coordinator") as conn:
            kinds = dict(
                conn.execute(
                    "SELECT relname, relkind FROM pg_class WHERE relname LIKE 'orders%' AND relkind IN ('r', 'p', 'f')"
                ).fetchall()
            )
            customer_42 = conn.execute("SELECT count(*) FROM orders WHERE customer_id = 42").fetchone()[0]
            local_42 = conn.execute("SELECT count(*) FROM orders_local WHERE customer_id = 42").fetchone()[0]
        assert kinds == {
            "orders": "p",
            "orders_local": "r",
            "orders_shard1": "f",
            "orders_shard2": "f",
            "orders_shard3": "f",
        }
        assert customer_42 == local_42 > 0
        # Shared memory segments live in the data directory, so even a SIGKILL leaves nothing in /dev/shm.
        with attempt.connect("shard1") as conn:
            assert conn.execute("SHOW dynamic_shared_memory_type").fetchone()[0] == "mmap"
        per_shard = []
        for role in attempt.shard_roles():
            with attempt.connect(role) as conn:
                per_shard.append(conn.execute("SELECT count(*) FROM orders WHERE customer_id = 42").fetchone()[0])
        assert sorted(per_shard) == [0, 0, customer_42]  # one customer's orders live on exactly one shard
    assert_nothing_left(private_sandbox_root)


def test_bench_reports_the_median_pitr_grade_time(private_sandbox_root):
    figures = pg_cluster.bench_pitr_graded(runs=1)
    assert 0 < figures["pitr_graded_s"] < 30
    assert {"pitr_archive_copied_s", "pitr_runbook_s", "pitr_teardown_s"} <= set(figures)
    assert_nothing_left(private_sandbox_root)


def test_a_runbook_that_runs_out_of_time_is_a_timeout_and_still_tears_down(private_sandbox_root):
    spec = load_spec(PITR)
    # A deadline already reached: our preparation is not counted against it, but the
    # runbook's own wait for recovery is, so `start` runs out of time at once.
    with (
        pytest.raises(LearnerTimeout, match=r"line 5 \(start\): the restored server was still replaying WAL"),
        pg_cluster.open_operational_attempt(spec, spec.solution_path.read_text(), time.monotonic()),
    ):
        pass
    assert_nothing_left(private_sandbox_root)


def test_abort_from_the_watchdog_kills_every_server_at_once(private_sandbox_root):
    spec = load_spec(STANDBY)
    with pg_cluster.open_operational_attempt(spec, spec.solution_path.read_text(), time.monotonic() + 30) as attempt:
        instances = list(attempt.cluster.instances.values())
        assert all(i.running() for i in instances)
        attempt.abort()
        for instance in instances:
            instance.process.wait(timeout=5)
        assert leftover_processes(private_sandbox_root) == []
    assert_nothing_left(private_sandbox_root)
