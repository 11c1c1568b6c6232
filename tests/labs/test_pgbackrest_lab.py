"""pgBackRest lab: the answer parser (fast) and real grades on a real primary (slow)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labs.attempt import AnswerRejected
from labs.engines.pgbackrest.answer import parse_answer, render_config
from labs.result import GRADED, REJECTED
from labs.sandbox import base

LAB = Path(__file__).resolve().parents[2] / "curriculum" / "labs" / "pgbackrest-full-diff-incr"
needs_pgbackrest = pytest.mark.skipif(shutil.which("pgbackrest") is None, reason="pgbackrest is not installed")


def test_config_and_commands_are_read_in_order():
    plan = parse_answer(
        "[global]\nrepo1-retention-full = 2\n[shop]\nstart-fast=y\n\n"
        "$ sudo -u postgres pgbackrest --stanza=shop stanza-create\npgbackrest backup --type full\n",
        "shop",
    )
    assert plan.option("repo1-retention-full", "shop") == "2"
    assert plan.option("start-fast", "shop") == "y"
    assert [(c.name, c.options) for c in plan.commands] == [("stanza-create", {}), ("backup", {"type": "full"})]
    config = render_config(plan, "shop", {"repo1-path": "/r"}, {"pg1-path": "/d"})
    assert "[global]\nrepo1-retention-full=2\nrepo1-path=/r" in config and "pg1-path=/d" in config


@pytest.mark.parametrize(
    "text, words",
    [
        ("[shop]\npg1-path=/var/lib/postgresql\npgbackrest backup", "set by the platform"),
        ("[global]\nrepo1-retention-ful=2\npgbackrest backup", r"did you mean repo1-retention-full\?"),
        ("pgbackrest --stanza=main backup", "this lab's stanza is shop"),
        ("pgbackrest restore", "the platform restores by itself"),
        ("pgbackrest --type=weekly backup", "full, diff or incr"),
        ("[global]\nstart-fast=y", "no pgbackrest command"),
        ("[global]\nstart-fast=y; rm -rf /\npgbackrest backup", "no quotes or shell characters"),
        ("repo1-retention-full=2\npgbackrest backup", r"before any \[section\]"),
    ],
)
def test_a_bad_answer_is_refused_with_its_line(text: str, words: str):
    with pytest.raises(AnswerRejected, match=words):
        parse_answer(text, "shop")


def _grade(answer: str):
    from labs.runner import grade
    from labs.spec import load_spec

    return grade(load_spec(LAB), answer)


def _leftovers() -> list[str]:
    return [row["path"] for row in base.list_sandboxes() if "pgbackrest" in str(row.get("path", ""))]


@pytest.mark.slow
@needs_pgbackrest
def test_the_solution_restores_to_the_platforms_moment_and_keeps_two_fulls():
    before = set(_leftovers())
    result = _grade((LAB / "solution.conf").read_text())
    assert result.status == GRADED and result.score == 1.0, result.to_dict()
    restored = next(c for c in result.checks if "restore" in c.name)
    assert "every row committed before the target is back" in restored.message
    assert set(_leftovers()) <= before  # the sandbox, its servers and its repository are gone


@pytest.mark.slow
@needs_pgbackrest
def test_retention_given_only_on_the_command_line_is_caught_by_the_later_backups():
    result = _grade((LAB / "wrong" / "retention_on_command_line_only.conf").read_text())
    failed = [c for c in result.checks if not c.passed]
    assert [c.name for c in failed] == ["retention keeps exactly two full backups"], result.to_dict()
    assert "held 3 full backup(s)" in failed[0].message


@pytest.mark.slow
@needs_pgbackrest
def test_a_failing_command_is_the_learners_verdict_with_pgbackrests_error():
    result = _grade((LAB / "wrong" / "no_stanza_create.conf").read_text())
    assert result.status == REJECTED and result.gradable
    assert "line 7" in result.message and "ERROR" in result.message
