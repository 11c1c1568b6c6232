"""``python -m labs`` as a learner, an author and an operator use it (real subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labs.sandbox import postgres

pytestmark = pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed")

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "labs", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env
    )


def test_grade_prints_a_readable_verdict_and_exits_by_score(fixture_labs):
    lab = fixture_labs / "pg-result"
    passed = run_cli("grade", str(lab), str(lab / "solution.sql"))
    assert passed.returncode == 0, passed.stderr
    assert "score 1.00  (graded" in passed.stdout
    assert "[PASS] rows match the reference" in passed.stdout
    failed = run_cli("grade", str(lab), str(lab / "wrong" / "inner_join.sql"))
    assert failed.returncode == 1
    assert "[FAIL] rows match the reference: Your query returned 4 rows" in failed.stdout
    assert "hint: Start from customers" in failed.stdout


def test_grade_json_is_the_result_contract(fixture_labs, tmp_path):
    lab = fixture_labs / "pg-readonly"
    answer = tmp_path / "answer.sql"
    answer.write_text("COPY (SELECT 1) TO PROGRAM 'id'")
    done = run_cli("grade", str(lab), str(answer), "--json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["status"] == "rejected" and data["gradable"] is True and data["score"] == 0.0
    assert "COPY … PROGRAM" in data["message"]


def test_grade_reports_a_broken_lab_folder_with_file_and_field(tmp_path):
    (tmp_path / "lab.toml").write_text('id = "x"\ntitle = "t"\nengine = "postgres"\n')
    done = run_cli("grade", str(tmp_path), str(tmp_path / "lab.toml"))
    assert done.returncode == 2
    assert "lab.toml: time_limit: is required" in done.stderr


def test_check_all_passes_on_the_postgres_fixture_labs(fixture_labs, tmp_path):
    root = tmp_path / "course"
    for lab in sorted(fixture_labs.glob("pg-*")):
        shutil.copytree(lab, root / lab.name)
    done = run_cli("check-all", str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 labs, 23 answers: 0 failed" in done.stdout
    for lab_id in ("fixture-pg-result", "fixture-pg-plan", "fixture-pg-schema", "fixture-pg-concurrency"):
        assert lab_id in done.stdout


def test_check_all_fails_when_a_wrong_answer_scores_full_marks(fixture_labs, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(fixture_labs / "pg-readonly", root / "pg-readonly")
    shutil.copy(root / "pg-readonly" / "solution.sql", root / "pg-readonly" / "wrong" / "same_as_solution.sql")
    done = run_cli("check-all", str(root))
    assert done.returncode == 1
    assert "this wrong answer scores 1.0: the checks do not catch it" in done.stdout


def test_check_all_skips_labs_this_installation_cannot_run(tmp_path):
    lab = tmp_path / "course" / "needs-magic"
    (lab / "wrong").mkdir(parents=True)
    (lab / "lab.toml").write_text(
        'id = "t-magic"\ntitle = "t"\nengine = "postgres"\ntime_limit = 5\nrequires = ["telepathy"]\n'
        '[[checks]]\ntype = "result"\n'
    )
    (lab / "solution.sql").write_text("SELECT 1")
    (lab / "wrong" / "a.sql").write_text("SELECT 2")
    done = run_cli("check-all", str(tmp_path / "course"))
    assert done.returncode == 0, done.stdout
    assert "skipped" in done.stdout and "1 lab skipped (not available on this installation)" in done.stdout


def test_sandbox_ls_and_reap(tmp_path):
    listed = run_cli("sandbox", "ls")
    assert listed.returncode == 0
    reaped = run_cli("sandbox", "reap")
    assert reaped.returncode == 0
    assert "orphaned sandboxes removed" in reaped.stdout


def test_bench_prints_medians(tmp_path):
    done = run_cli("bench", "--quick", "--only", "idle instance memory", "--only", "cold instance")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "idle_pss_mb" in done.stdout and "cold_instance_s" in done.stdout


@pytest.mark.slow
def test_check_all_passes_on_the_whole_fixture_course(fixture_labs):
    """Every fixture lab of every engine: solutions score 1.0, wrong answers less, labs this
    installation cannot run (mongod missing) are skipped rather than failed."""
    done = run_cli("check-all", str(fixture_labs.parent), timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " 0 failed" in done.stdout
