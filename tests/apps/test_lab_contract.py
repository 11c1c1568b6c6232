"""Issue 9 item 6: the lab contract is checked at sync, and every problem reads file:line: problem."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from labs.contract import known_params, lint_lab

REAL_LABS = Path(__file__).resolve().parents[2] / "curriculum" / "labs"


def copy_lab(course_dir: Path, name: str) -> Path:
    """A real lab inside the small test course (its lesson link dropped: that course lacks it)."""
    folder = course_dir / "labs" / name
    shutil.copytree(REAL_LABS / name, folder)
    toml = folder / "lab.toml"
    toml.write_text("\n".join(line for line in toml.read_text().splitlines() if not line.startswith("lesson =")))
    return folder


def check_errors(course_dir: Path) -> str:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync_curriculum", "--check", "--root", str(course_dir), stderr=err, stdout=StringIO())
    return err.getvalue()


def line_number(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


@pytest.mark.django_db
def test_real_labs_pass_the_contract_check_unchanged(course_dir):
    copy_lab(course_dir, "explain-index-orders")
    copy_lab(course_dir, "redis-leaderboard")
    out = StringIO()
    call_command("sync_curriculum", "--check", "--root", str(course_dir), stdout=out)
    assert "2 labs" in out.getvalue()


@pytest.mark.django_db
def test_a_misspelt_check_parameter_is_named_with_its_line_and_the_likely_spelling(course_dir):
    folder = copy_lab(course_dir, "explain-index-orders")
    toml = folder / "lab.toml"
    text = toml.read_text()
    toml.write_text(text.replace("max_shared_buffers = 60\nmax_rows", "max_shared_bufers = 60\nmax_rows", 1))
    errors = check_errors(course_dir)
    line = line_number(toml, "max_shared_bufers")
    assert f"{toml}:{line}: checks[0] (plan," in errors
    assert "unknown parameter 'max_shared_bufers'" in errors and "did you mean 'max_shared_buffers'?" in errors


@pytest.mark.django_db
def test_an_unknown_parameter_of_a_redis_check_is_reported_at_its_line(course_dir):
    folder = copy_lab(course_dir, "redis-leaderboard")
    toml = folder / "lab.toml"
    toml.write_text(toml.read_text().replace("ttl = {key", "expire = {key", 1))
    errors = check_errors(course_dir)
    assert f"{toml}:{line_number(toml, 'expire = {key')}: checks[1] (redis," in errors
    assert "unknown parameter 'expire'" in errors


@pytest.mark.django_db
def test_a_lab_id_that_cannot_be_routed_is_refused_at_sync(course_dir):
    folder = copy_lab(course_dir, "redis-leaderboard")
    toml = folder / "lab.toml"
    toml.write_text(toml.read_text().replace('id = "nosql-redis-weekly-board-cache"', 'id = "redis.board"'))
    errors = check_errors(course_dir)
    assert f"{toml}:1: id: 'redis.board' cannot be part of the lab's address" in errors


@pytest.mark.django_db
def test_a_readme_promising_what_no_check_tests_is_reported_at_its_line(course_dir):
    folder = copy_lab(course_dir, "explain-index-orders")
    readme = folder / "README.md"
    text = readme.read_text()
    text = text.replace("at most 60 shared buffers", "at most 40 shared buffers")
    text = text.replace("- have no `Sort` node", "- have no `Nested Loop` and no `Sort` node")
    text = text.replace("The query must still return", "On hidden data too, the query must still return")
    readme.write_text(text)
    errors = check_errors(course_dir)
    assert f"{readme}:{line_number(readme, 'at most 40')}: promises 'at most 40 shared buffers'" in errors
    assert f"{readme}:{line_number(readme, 'Nested Loop')}: promises no `Nested Loop`" in errors
    assert f"{readme}:{line_number(readme, 'On hidden data')}: promises hidden data but the lab has no hidden.sql" in (
        errors
    )
    assert "`Sort`" not in errors  # that promise is kept by the plan checks


def test_every_real_lab_keeps_the_contract():
    problems = [str(p) for folder in sorted(REAL_LABS.iterdir()) if folder.is_dir() for p in lint_lab(folder)]
    assert problems == []


def test_parameter_names_come_from_the_check_modules():
    assert {"max_shared_buffers", "forbid", "require_index"} <= known_params("plan", "postgres")
    assert {"must_fail", "not_null", "foreign_keys"} <= known_params("schema", "postgres")  # read through a loop
    assert "zrange" in known_params("redis", "redis")  # its declared KNOWN_PARAMS
    assert known_params("nonsense", "postgres") is None
