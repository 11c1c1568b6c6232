"""Issue 12 part 5: the real course meets its practice minimums. `python -m labs coverage`
exits non-zero when a lesson has fewer than two graded items (labs and exercises), a week has
none, or the course has fewer than sixty; its output names what is missing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_lesson_and_week_of_the_course_has_its_graded_practice():
    done = subprocess.run(
        [sys.executable, "-m", "labs", "coverage", str(ROOT / "curriculum")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "coverage ok" in done.stdout
