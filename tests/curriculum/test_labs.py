"""Every lab in the course: its reference solution and every alternative right answer
(right/*) score 1.0, and every known-wrong answer scores below 1.0, caught by the check
wrong/catches.toml names for it, graded on real sandboxes (as `python -m labs check-all`)."""

from pathlib import Path

import pytest
from django.conf import settings

from labs import grade
from labs.result import UNAVAILABLE
from labs.spec import find_labs, load_spec

LAB_DIRS = find_labs(Path(settings.CURRICULUM_DIR))
CASES = [
    (folder, answer)
    for folder in LAB_DIRS
    for answer in [load_spec(folder).solution_path, *load_spec(folder).right_paths, *load_spec(folder).wrong_paths]
]

pytestmark = pytest.mark.slow


def test_course_has_the_promised_labs():
    assert len(LAB_DIRS) >= 9, [folder.name for folder in LAB_DIRS]
    for folder in LAB_DIRS:
        assert len(load_spec(folder).wrong_paths) >= 3, f"{folder.name} needs at least three wrong answers"


@pytest.mark.parametrize("folder,answer", CASES, ids=[f"{f.name}/{a.relative_to(f)}" for f, a in CASES])
def test_solution_scores_full_marks_and_wrong_answers_do_not(folder: Path, answer: Path):
    spec = load_spec(folder)
    result = grade(spec, answer.read_text())
    if result.status == UNAVAILABLE:
        pytest.skip(result.message)
    assert result.gradable, result.message
    failed = [(c.name, c.message) for c in result.checks if not c.passed]
    if answer == spec.solution_path or answer in spec.right_paths:
        assert result.score == 1.0, f"{result.status}: {result.message} {failed}"
    else:
        assert result.score < 1.0
        assert result.message or any(not c.passed and c.message for c in result.checks), (
            "a wrong answer needs a message"
        )
        expected = spec.expected_catches().get(answer.name)
        if expected and expected.lower() not in ("any", result.status.lower()):
            assert any(expected.lower() in name.lower() for name, _ in failed), (
                f"expected the check '{expected}' to catch it; failed: {failed or result.status}"
            )
