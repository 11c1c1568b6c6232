"""Issue 12 part 1: the curriculum loader reads exercises (kind, hint ladder, explanation) and
`sync_curriculum --check` refuses an exercise whose lesson is missing or unknown."""

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.courses.loader import load_curriculum
from apps.courses.models import Lab
from apps.courses.services import sync_curriculum
from tests.apps.test_exercise_page import FIXTURE_EXERCISES
from tests.course_builder import write_course

FOLDER = "exercises/rel/customers-without-orders"


@pytest.fixture
def course(tmp_path):
    root = write_course(tmp_path / "curriculum")
    shutil.copytree(FIXTURE_EXERCISES, root / "exercises")
    return root


def set_lesson(root, line: str) -> None:
    toml = root / FOLDER / "lab.toml"
    toml.write_text(toml.read_text().replace('lesson = "rel-joins"\n', line))


def test_an_exercise_loads_with_its_kind_hints_and_explanation(course):
    loaded, problems = load_curriculum(course)
    assert problems == []
    [exercise] = loaded.labs
    assert exercise.kind == "exercise" and exercise.lesson == "rel-joins"
    assert exercise.hints[0].startswith("Start from customers, not from orders")
    assert len(exercise.hints) == 3
    assert exercise.explanation.startswith("## The answer")


def test_an_exercise_without_a_lesson_is_reported(course):
    set_lesson(course, "")
    problems = [str(p) for p in load_curriculum(course)[1]]
    assert problems == [f'{course / FOLDER / "lab.toml"}:1: an exercise must name its lesson (lesson = "<lesson id>")']


def test_an_exercise_naming_an_unknown_lesson_fails_the_check(course):
    set_lesson(course, 'lesson = "rel-joinz"\n')
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync_curriculum", "--check", "--root", str(course), stderr=err)
    assert f"{course / FOLDER / 'lab.toml'}:" in err.getvalue() and "unknown lesson 'rel-joinz'" in err.getvalue()


def test_an_exercise_without_its_explanation_is_reported(course):
    (course / FOLDER / "explanation.md").unlink()
    problems = [str(p) for p in load_curriculum(course)[1]]
    assert len(problems) == 1 and "explanation.md" in problems[0] and "explains its answer" in problems[0]


@pytest.mark.django_db
def test_sync_writes_the_exercise_and_a_changed_hint_ladder_is_a_change(course):
    first = sync_curriculum(course)
    assert first.created["labs"] == ["ex-customers-without-orders"]
    lab = Lab.objects.get(key="ex-customers-without-orders")
    assert lab.kind == Lab.Kind.EXERCISE and lab.lesson.key == "rel-joins" and len(lab.hints) == 3
    assert lab.source_path == FOLDER
    assert not sync_curriculum(course).has_changes
    toml = course / FOLDER / "lab.toml"
    toml.write_text(toml.read_text().replace("Start from customers", "Begin with customers"))
    (course / FOLDER / "explanation.md").write_text("## The answer\n\nA new worked answer.\n")
    report = sync_curriculum(course)
    assert report.changed["labs"] == ["ex-customers-without-orders"]
    lab.refresh_from_db()
    assert lab.hints[0].startswith("Begin with customers") and "A new worked answer." in lab.explanation
