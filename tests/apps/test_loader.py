"""The curriculum loader and sync: good errors for bad content, stable ids, idempotence."""

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.courses.loader import count_prose_words, load_curriculum
from apps.courses.models import Lesson, LessonCompletion, Module
from apps.courses.services import CurriculumInvalid, sync_curriculum
from tests.apps.factories import UserFactory
from tests.course_builder import PROSE, lesson_text


def problems_of(course_dir):
    return [str(p) for p in load_curriculum(course_dir)[1]]


def test_valid_course_loads_with_counts(course_dir):
    course, problems = load_curriculum(course_dir)
    assert problems == []
    assert course.counts() == {"modules": 2, "lessons": 3, "projects": 1, "weeks": 2, "labs": 0}


def test_short_lesson_is_reported_with_file_and_line(course_dir):
    path = course_dir / "modules/rel/lessons/01-keys.md"
    path.write_text(path.read_text().replace(PROSE, "Too short."))
    [problem] = problems_of(course_dir)
    assert problem.startswith(f"{path}:9: lesson has")
    assert "at least 800" in problem


def test_missing_front_matter_field_and_bad_toml_are_both_reported(course_dir):
    keys = course_dir / "modules/rel/lessons/01-keys.md"
    keys.write_text(keys.read_text().replace('title = "Keys"\n', ""))
    joins = course_dir / "modules/rel/lessons/02-joins.md"
    joins.write_text(joins.read_text().replace("week = 2", "week = = 2"))
    problems = problems_of(course_dir)
    assert any(p.startswith(f"{keys}:") and "missing required field 'title'" in p for p in problems)
    assert any(p.startswith(f"{joins}:4:") and "invalid TOML" in p for p in problems)


def test_unknown_references_are_reported(course_dir):
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().replace('projects = ["proj-one"]', 'projects = ["proj-typo"]'))
    lesson = course_dir / "modules/kv/lessons/01-redis.md"
    lesson.write_text(lesson.read_text().replace('"write-sql"]', '"write-sqll"]'))
    problems = problems_of(course_dir)
    assert any("unknown project 'proj-typo'" in p and p.startswith(f"{toml}:") for p in problems)
    assert any("unknown outcome 'write-sqll'" in p and p.startswith(f"{lesson}:6") for p in problems)


def test_duplicate_ids_and_week_outside_module_are_reported(course_dir):
    (course_dir / "modules/rel/lessons/03-copy.md").write_text(lesson_text("rel-keys", "Copy", 1, 3, []))
    (course_dir / "modules/kv/lessons/02-early.md").write_text(lesson_text("kv-early", "Early", 1, 2, []))
    problems = problems_of(course_dir)
    assert any("lesson id 'rel-keys' is already used" in p for p in problems)
    assert any("week 1 is not one of module 'kv' weeks [2]" in p for p in problems)


def test_code_blocks_are_not_counted_as_prose():
    body = "one two three\n\n```sql\nSELECT a, b, c FROM t;\n```\n<details><summary>Answer</summary>four</details>\n"
    assert count_prose_words(body) == 5  # one two three Answer four


@pytest.mark.django_db
def test_second_sync_changes_nothing(course_dir):
    first = sync_curriculum(course_dir)
    assert first.created["lessons"] == ["rel-keys", "rel-joins", "kv-redis"]
    second = sync_curriculum(course_dir)
    assert not second.has_changes


@pytest.mark.django_db
def test_moved_lesson_keeps_its_progress(course_dir):
    sync_curriculum(course_dir)
    learner = UserFactory()
    LessonCompletion.objects.create(user=learner, lesson=Lesson.objects.get(key="rel-joins"))
    old = course_dir / "modules/rel/lessons/02-joins.md"
    new = course_dir / "modules/kv/lessons/09-joins-moved.md"
    new.write_text(old.read_text())
    old.unlink()
    report = sync_curriculum(course_dir)
    assert report.changed["lessons"] == ["rel-joins"]
    lesson = Lesson.objects.get(key="rel-joins")
    assert lesson.module.key == "kv" and lesson.source_path == "modules/kv/lessons/09-joins-moved.md"
    assert LessonCompletion.objects.filter(user=learner, lesson=lesson).exists()


@pytest.mark.django_db
def test_removed_module_is_retired_not_deleted(course_dir):
    sync_curriculum(course_dir)
    toml = course_dir / "course.toml"
    toml.write_text(toml.read_text().replace('modules = ["rel", "kv"]', 'modules = ["rel"]'))
    shutil.rmtree(course_dir / "modules/kv")
    report = sync_curriculum(course_dir)
    assert report.retired == {"modules": ["kv"], "lessons": ["kv-redis"]}
    assert Module.objects.get(key="kv").retired


@pytest.mark.django_db
def test_invalid_curriculum_writes_nothing(course_dir):
    (course_dir / "modules/rel/lessons/01-keys.md").write_text("no front matter")
    with pytest.raises(CurriculumInvalid) as caught:
        sync_curriculum(course_dir)
    assert "must start with TOML front matter" in str(caught.value)
    assert Lesson.objects.count() == 0


@pytest.mark.django_db
def test_command_check_json_and_exit_code(course_dir):
    out = StringIO()
    call_command("sync_curriculum", "--check", "--json", "--root", str(course_dir), stdout=out)
    assert json.loads(out.getvalue()) == {"modules": 2, "lessons": 3, "projects": 1, "weeks": 2, "labs": 0}
    assert Lesson.objects.count() == 0  # --check writes nothing
    (course_dir / "course.toml").write_text("title = ")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync_curriculum", "--check", "--root", str(course_dir), stderr=err)
    assert f"{course_dir / 'course.toml'}:1: invalid TOML" in err.getvalue()


@pytest.mark.django_db
def test_command_reports_created_then_no_changes(course_dir):
    out = StringIO()
    call_command("sync_curriculum", "--root", str(course_dir), stdout=out)
    assert "created 3 lessons: rel-keys, rel-joins, kv-redis" in out.getvalue()
    out = StringIO()
    call_command("sync_curriculum", "--root", str(course_dir), "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["created"] == {} and payload["changed"] == {} and payload["retired"] == {}


def test_comparison_signs_in_prose_are_not_mistaken_for_html_tags():
    body = "Rows where price < 0 are rejected, and rows where stock > 10 are kept in the warehouse."
    assert count_prose_words(body) == 16
