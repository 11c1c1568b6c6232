"""``python -m labs grade-project`` and ``python -m labs check-projects``: the per-criterion table,
and the proof that every graded project's reference and flawed hand-ins score as intended."""

from __future__ import annotations

import json
import shutil
import tempfile
import tomllib
from pathlib import Path

from labs.projects.grader import grade_project
from labs.projects.result import ProjectResult
from labs.projects.spec import SpecError, load_project


def print_table(result: ProjectResult) -> None:
    print(
        f"{result.project}: {result.status}, auto {result.auto_points:g}/{result.auto_possible}"
        f"{'' if result.gradable else ' (NOT gradable)'} in {result.duration_ms / 1000:.1f} s"
    )
    for row in result.criteria:
        got = "-" if row.points_awarded is None else f"{row.points_awarded:g}"
        print(f"  {row.id:<16} {row.graded_by:<10} {got:>6}/{row.points_possible:<3} {row.message}")
    if result.message and result.status != "graded":
        print(f"  {result.message}")


def run_grade_project(project_dir: Path, handin_dir: Path, *, as_json: bool) -> int:
    try:
        spec = load_project(project_dir)
    except SpecError as exc:
        print(exc)
        return 2
    result = grade_project(spec, handin_dir)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print_table(result)
    if not result.gradable:
        return 2
    return 0 if result.auto_points >= result.auto_possible else 1


def find_projects(root: Path) -> list[Path]:
    if (root / "grading.toml").is_file():
        return [root]
    return sorted(p.parent for p in root.rglob("grading.toml"))


def materialize_flawed(reference: Path, case: Path, scratch: Path, remove: list[str]) -> Path:
    """The flawed hand-in: the reference with the case's files laid over it and ``remove`` deleted.
    Keeping only the changed files in ``flawed/<name>/`` shows the flaw as a small diff."""
    handin = scratch / "handin"
    shutil.copytree(reference, handin)
    for path in sorted(case.rglob("*")):
        if path.is_file() and path.name != "flawed.toml":
            target = handin / path.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for rel in remove:
        (handin / rel).unlink(missing_ok=True)
    return handin


def prove_project(folder: Path) -> list[str]:
    """Problems with one project's proof ([] when the reference and every flawed hand-in behave)."""
    spec = load_project(folder)
    problems: list[str] = []
    reference = grade_project(spec, folder / "reference")
    print_table(reference)
    if not reference.gradable or reference.auto_points < spec.auto_possible:
        problems.append(
            f"{spec.id}: reference scored {reference.auto_points}/{spec.auto_possible} ({reference.status})"
        )
    flawed_root = folder / "flawed"
    flawed = sorted(p for p in flawed_root.iterdir() if p.is_dir()) if flawed_root.is_dir() else []
    if len(flawed) < 5:
        problems.append(f"{spec.id}: {len(flawed)} flawed hand-ins, at least 5 are needed")
    auto_ids = {c.id for c in spec.auto_criteria}
    for case in flawed:
        meta_path = case / "flawed.toml"
        if not meta_path.is_file():
            problems.append(f"{case}: flawed.toml is missing (breaks = [criterion ids])")
            continue
        breaks = set(tomllib.loads(meta_path.read_text(encoding="utf-8")).get("breaks", []))
        if not breaks or not breaks <= auto_ids:
            problems.append(f"{case}/flawed.toml: breaks must name auto criteria of {spec.id}, got {sorted(breaks)}")
            continue
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="flawed-") as scratch:
            handin = materialize_flawed(folder / "reference", case, Path(scratch), meta.get("remove", []))
            result = grade_project(spec, handin)
        print(f"-- flawed/{case.name} (breaks {', '.join(sorted(breaks))})")
        print_table(result)
        if not result.gradable:
            problems.append(f"{spec.id} flawed/{case.name}: not gradable ({result.message})")
            continue
        lost = {r.id for r in result.criteria if r.graded_by == "auto" and (r.points_awarded or 0) < r.points_possible}
        if lost != breaks:
            problems.append(
                f"{spec.id} flawed/{case.name}: expected to lose points on {sorted(breaks)}, "
                f"lost them on {sorted(lost)}"
            )
    return problems


def run_check_projects(root: Path) -> int:
    folders = find_projects(root)
    if not folders:
        print(f"no graded project (grading.toml) under {root}")
        return 1
    problems: list[str] = []
    for folder in folders:
        try:
            problems.extend(prove_project(folder))
        except SpecError as exc:
            problems.append(str(exc))
    for problem in problems:
        print(f"FAIL {problem}")
    print(f"{len(folders)} project(s), {len(problems)} problem(s)")
    return 1 if problems else 0
