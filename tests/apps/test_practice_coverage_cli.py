"""`python -m labs coverage`: graded items per week and lesson, and the exit code that says
whether the course meets its minimums (two per lesson, one per week, sixty in all)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.apps.test_exercise_page import FIXTURE_EXERCISES
from tests.course_builder import write_course

ROOT = Path(__file__).resolve().parents[2]


def coverage(root: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "labs", "coverage", str(root), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_thin_course_is_listed_per_week_and_lesson_and_fails(tmp_path):
    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_EXERCISES, root / "exercises")
    done = coverage(root)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "week 1: Tables  0 graded (0 labs, 0 exercises)"
    assert any(
        line.split() == ["rel-joins", "1", "(0", "labs,", "1", "exercise)", "<-", "fewer", "than", "2"]
        for line in lines
    )
    assert "  lesson rel-keys (week 1) has 0 graded items; at least 2" in lines
    assert "  week 1 has no graded item; at least 1" in lines
    assert "  1 graded item in all; at least 60" in lines


def test_a_course_meeting_the_minimums_passes(tmp_path):
    root = write_course(tmp_path / "curriculum")
    source = FIXTURE_EXERCISES / "rel" / "customers-without-orders"
    lessons = ["rel-keys", "rel-joins", "kv-redis"]
    for number in range(60):  # sixty copies of the exercise, spread over the three lessons
        folder = root / "exercises" / "copies" / f"copy-{number}"
        shutil.copytree(source, folder)
        toml = folder / "lab.toml"
        text = toml.read_text().replace('id = "ex-customers-without-orders"', f'id = "ex-copy-{number}"')
        toml.write_text(text.replace('lesson = "rel-joins"', f'lesson = "{lessons[number % 3]}"'))
    done = coverage(root, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["total"] == 60 and report["problems"] == []
    assert len(report["weeks"]["1"]["lessons"]["rel-keys"]["exercises"]) == 20


def test_an_item_naming_an_unknown_lesson_is_a_problem_not_a_count(tmp_path):
    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_EXERCISES, root / "exercises")
    toml = root / "exercises/rel/customers-without-orders/lab.toml"
    toml.write_text(toml.read_text().replace('lesson = "rel-joins"', 'lesson = "rel-joinz"'))
    done = coverage(root, "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["total"] == 0
    assert any("unknown lesson 'rel-joinz'" in problem for problem in report["problems"])
