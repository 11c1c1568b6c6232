"""Projects as graded capstones: grading.toml validation, hand-in checks, and every graded project's
proof on real servers (its reference hand-in scores all auto points, each flawed hand-in loses
points on exactly the criteria it names)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labs.projects import check_handin, grade_project, load_project, read_handin
from labs.projects.cli import find_projects, prove_project
from labs.spec import SpecError

PROJECTS = Path(__file__).resolve().parents[2] / "curriculum" / "projects"
GRADED = [p.name for p in find_projects(PROJECTS)]
RELATIONAL = PROJECTS / "relational-design"


def brief_rows(folder: Path) -> list[tuple[str, int, str]]:
    """(criterion, points, graded by) of each row of the brief's "How it is graded" table."""
    text = (folder / "project.md").read_text(encoding="utf-8")
    table = text.split("## How it is graded", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[1].isdigit():
            rows.append((cells[0], int(cells[1]), "auto" if cells[2] == "Lab (auto)" else "instructor"))
    return rows


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize("slug", GRADED)
def test_grading_toml_lists_every_row_of_the_brief_in_order(slug):
    spec = load_project(PROJECTS / slug)
    assert [(c.title, c.points, c.graded_by) for c in spec.criteria] == brief_rows(PROJECTS / slug)
    for criterion in spec.criteria:
        if criterion.graded_by == "instructor":
            assert criterion.levels[0].points == criterion.points


def test_no_brief_promises_an_auto_row_that_is_not_graded():
    """Every brief whose table has a "Lab (auto)" row is a graded project; list the rest here."""
    ungraded = sorted(
        p.parent.name
        for p in PROJECTS.glob("*/project.md")
        if any(kind == "auto" for _, _, kind in brief_rows(p.parent)) and p.parent.name not in GRADED
    )
    # Projects whose auto rows are not graded yet (issue 11): shrink this list, never grow it.
    assert ungraded == []


def _copy_project(tmp_path: Path) -> Path:
    folder = tmp_path / "relational-design"
    shutil.copytree(RELATIONAL, folder, ignore=shutil.ignore_patterns("flawed", "reference"))
    return folder


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            'graded_by = "auto"\ncheck = "pg_queries"',
            'graded_by = "robot"\ncheck = "pg_queries"',
            "criteria[2].graded_by",
        ),
        ('check = "pg_queries"', 'check = "pg_guess"', "criteria[2].check"),
        ('{ name = "Excellent", points = 10,', '{ name = "Excellent", points = 9,', "criteria[7].levels[0].points"),
        ('topology = "project-database"', 'topology = "cluster"', "environment.topology"),
        ("time_limit = 240", "time_limit = 9000", "time_limit"),
        ("max_files = 80", 'max_files = "many"', "handin.max_files"),
        ('setup = ["starter/staging.sql"]', 'setup = ["starter/nothing.sql"]', "environment.setup"),
    ],
)
def test_invalid_grading_toml_names_file_and_field(tmp_path, old, new, field):
    folder = _copy_project(tmp_path)
    path = folder / "grading.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(SpecError) as caught:
        load_project(folder)
    assert str(caught.value).startswith(f"{path}: {field}:")


def test_a_criterion_id_used_twice_is_refused(tmp_path):
    folder = _copy_project(tmp_path)
    path = folder / "grading.toml"
    path.write_text(path.read_text().replace('id = "speed"', 'id = "queries"'))
    with pytest.raises(SpecError, match=r"criteria\[3\]\.id: 'queries' is used twice"):
        load_project(folder)


# --------------------------------------------------------------------------- hand-in checks


@pytest.fixture
def reference_files() -> dict[str, bytes]:
    return read_handin(RELATIONAL / "reference")


def test_reference_hand_in_is_accepted(reference_files):
    assert check_handin(load_project(RELATIONAL), reference_files) == []


def test_missing_required_file_is_named(reference_files):
    del reference_files["queries/q5.sql"]
    problems = check_handin(load_project(RELATIONAL), reference_files)
    assert problems == ["Missing queries/q5.sql: the brief's deliverables list it, so the hand-in must contain it."]


def test_too_few_rule_probes(reference_files):
    for name in [n for n in reference_files if n.startswith("rules/1")]:
        del reference_files[name]
    problems = check_handin(load_project(RELATIONAL), reference_files)
    assert "rules/*.valid.sql: the brief asks for at least 12 such files, the hand-in has 9." in problems


def test_too_big_and_too_many_files(reference_files):
    reference_files["DESIGN.md"] = b"x" * 250_000
    for n in range(80):
        reference_files[f"notes/n{n}.md"] = b"note"
    problems = check_handin(load_project(RELATIONAL), reference_files)
    assert any(p.startswith("DESIGN.md is 250 kB; a file may be at most 200 kB") for p in problems)
    assert any(p.startswith("The hand-in has 117 files; at most 80 are accepted") for p in problems)


def test_unexpected_and_unsafe_names(reference_files):
    reference_files["dump.csv"] = b"1,2\n"
    reference_files["../escape.sql"] = b"SELECT 1"
    problems = check_handin(load_project(RELATIONAL), reference_files)
    assert "../escape.sql: file names must be relative paths inside the project folder." in problems
    assert any(p.startswith("Not part of this project's hand-in: ../escape.sql, dump.csv") for p in problems)


def test_rejected_hand_in_scores_zero_without_starting_a_server(tmp_path):
    handin = tmp_path / "handin"
    shutil.copytree(RELATIONAL / "reference", handin)
    (handin / "migrate.sql").unlink()
    result = grade_project(load_project(RELATIONAL), handin).to_dict()
    assert (result["status"], result["gradable"], result["auto_points"]) == ("rejected", True, 0)
    assert "Missing migrate.sql" in result["message"]
    assert {c["id"]: c["points_awarded"] for c in result["criteria"] if c["graded_by"] == "auto"} == {
        "rules": 0,
        "migration": 0,
        "queries": 0,
        "speed": 0,
        "concurrency": 0,
    }


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("SELECT 1", ""),
        ("SET enable_seqscan = off; SELECT 1", "it must be exactly one statement"),
        ("SELECT set_config('enable_seqscan', 'off', false), 1", "it changes a setting"),
    ],
)
def test_optimization_query_files_cannot_change_settings(text, refused):
    """A query file that turns a planner setting off is not a faster query; it is refused before it runs."""
    from labs.projects.optimization import _single_query_problem

    assert _single_query_problem(text).startswith(refused) if refused else _single_query_problem(text) == ""


# --------------------------------------------------------------------------- on real servers


@pytest.mark.slow
def test_platform_fault_is_never_scored(tmp_path):
    """Our own SQL failing (here the platform's reading of the export) makes the result ungradable."""
    folder = _copy_project(tmp_path)
    (folder / "grading" / "good_lines.sql").write_text("SELECT * FROM staging.no_such_table;")
    result = grade_project(load_project(folder), RELATIONAL / "reference").to_dict()
    assert (result["gradable"], result["status"], result["auto_points"]) == (False, "platform_error", None)
    assert "good_lines.sql failed" in result["message"]
    assert all(c["points_awarded"] is None for c in result["criteria"])


@pytest.mark.slow
@pytest.mark.parametrize("slug", GRADED)
def test_project_proof(slug):
    """check-projects on one project: reference full marks, each flawed hand-in loses exactly its breaks."""
    assert prove_project(PROJECTS / slug) == []
