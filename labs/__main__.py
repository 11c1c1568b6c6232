"""``python -m labs``: grade an answer, check every lab of a course, manage sandboxes, bench.

    python -m labs grade LAB_DIR ANSWER_FILE [--json]
    python -m labs check-all [ROOT] [--json]
    python -m labs coverage [ROOT] [--json]
    python -m labs sandbox ls | reap
    python -m labs bench [--quick] [--only NAME]
    python -m labs grade-project PROJECT_DIR HANDIN_DIR [--json]
    python -m labs check-projects [ROOT]

Exit codes: ``grade`` 0 when the answer scores 1.0, 1 when it scores less, 2 when it could not
be graded; ``check-all`` 0 when every lab behaves, 1 otherwise; ``coverage`` 0 when every
lesson has at least two graded items, every week one and the course 60, 1 otherwise; 2 for
usage errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from labs.result import UNAVAILABLE, Result
from labs.spec import SpecError, find_labs, load_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labs", description="Indexed's lab runtime.")
    commands = parser.add_subparsers(dest="command", required=True)

    grade_cmd = commands.add_parser("grade", help="grade one answer file against one lab")
    grade_cmd.add_argument("lab_dir", type=Path)
    grade_cmd.add_argument("answer_file", type=Path)
    grade_cmd.add_argument("--json", action="store_true", help="print the Result as JSON")

    check_cmd = commands.add_parser(
        "check-all", help="every lab: solution and right/* score 1.0, every wrong/* below (caught by its check)"
    )
    check_cmd.add_argument("root", nargs="?", type=Path, default=Path("curriculum"))
    check_cmd.add_argument("--json", action="store_true", help="print the rows as JSON")

    coverage_cmd = commands.add_parser(
        "coverage", help="graded items (labs and exercises) per week and lesson; fails below the minimums"
    )
    coverage_cmd.add_argument("root", nargs="?", type=Path, default=Path("curriculum"))
    coverage_cmd.add_argument("--json", action="store_true", help="print the counts as JSON")

    sandbox_cmd = commands.add_parser("sandbox", help="list sandboxes or reap those whose owner died")
    sandbox_cmd.add_argument("action", choices=["ls", "reap"])

    bench_cmd = commands.add_parser("bench", help="measure sandbox and grading speed (prints medians)")
    bench_cmd.add_argument("--quick", action="store_true", help="fewer repetitions")
    bench_cmd.add_argument("--only", action="append", default=[], help="run only benches whose name contains this")

    project_cmd = commands.add_parser("grade-project", help="grade a project hand-in folder, criterion by criterion")
    project_cmd.add_argument("project_dir", type=Path)
    project_cmd.add_argument("handin_dir", type=Path)
    project_cmd.add_argument("--json", action="store_true", help="print the ProjectResult as JSON")

    projects_cmd = commands.add_parser(
        "check-projects", help="every graded project: reference scores full auto points, flawed/* lose exactly theirs"
    )
    projects_cmd.add_argument("root", nargs="?", type=Path, default=Path("curriculum"))

    parser.add_argument("-v", "--verbose", action="store_true", help="log warnings from the runtime")
    args = parser.parse_args(argv)
    # the table and the verdicts already say what went wrong; logs are for operators
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.command == "grade":
        return run_grade(args.lab_dir, args.answer_file, as_json=args.json)
    if args.command == "check-all":
        return run_check_all(args.root, as_json=args.json)
    if args.command == "coverage":
        return run_coverage(args.root, as_json=args.json)
    if args.command == "sandbox":
        return run_sandbox(args.action)
    if args.command in ("grade-project", "check-projects"):
        from labs.projects.cli import run_check_projects, run_grade_project

        if args.command == "grade-project":
            return run_grade_project(args.project_dir, args.handin_dir, as_json=args.json)
        return run_check_projects(args.root)
    from labs.bench import run_benches

    return run_benches(quick=args.quick, only=args.only)


# --------------------------------------------------------------------------- grade


def run_grade(lab_dir: Path, answer_file: Path, *, as_json: bool = False) -> int:
    from labs.answer import AnswerInputError, read_answer_file
    from labs.runner import grade

    try:
        spec = load_spec(lab_dir)
        answer = read_answer_file(answer_file)
    except (SpecError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AnswerInputError as exc:  # bad bytes, empty, huge: the learner's to fix, not a crash
        for problem in exc.problems:
            print(f"error: {answer_file}: {problem}", file=sys.stderr)
        return 2
    result = grade(spec, answer)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print(format_result(result, f"{spec.id} ← {answer_file}"))
    if not result.gradable:
        return 2
    return 0 if result.score >= 1.0 else 1


def format_result(result: Result, title: str) -> str:
    """The Result as a learner would read it, for a terminal."""
    lines = [f"{title}", f"score {result.score:.2f}  ({result.status}, {result.duration_ms} ms)"]
    if not result.gradable:
        lines.append("not gradable: this attempt does not count")
    if result.message:
        lines.append(result.message)
    for check in result.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  [{mark}] {check.name}: {check.message}")
        if check.hint and not check.passed:
            lines.append(f"         hint: {check.hint}")
        preview = check.artifacts.get("preview")
        if preview and not check.passed:
            lines.extend("         " + line for line in _format_table(preview).splitlines())
    return "\n".join(lines)


def _format_table(preview: dict, limit: int = 8) -> str:
    columns = [str(c) for c in preview.get("columns", [])]
    rows = [["NULL" if v is None else str(v) for v in row] for row in preview.get("rows", [])[:limit]]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    out = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    if preview.get("truncated") or len(preview.get("rows", [])) > limit:
        out.append("…")
    return "\n".join(out)


# --------------------------------------------------------------------------- check-all


@dataclass
class Row:
    lab: str
    answer: str
    expected: str  # "1.0" or "<1.0"
    score: float | None
    status: str
    ms: int
    verdict: str  # ok, FAIL, skipped
    note: str = ""


def run_check_all(root: Path, *, as_json: bool = False) -> int:
    from labs.runner import grade

    folders = find_labs(root)
    if not folders:
        print(f"no labs (folders with lab.toml) under {root}", file=sys.stderr)
        return 1
    rows: list[Row] = []
    for folder in folders:
        try:
            spec = load_spec(folder)
        except SpecError as exc:
            where = str(folder.relative_to(root))
            rows.append(Row(where, "lab.toml", "valid", None, "spec error", 0, "FAIL", str(exc)))
            continue
        right = [spec.solution_path, *spec.right_paths]
        answers = [(path, True) for path in right] + [(path, False) for path in spec.wrong_paths]
        if not spec.wrong_paths:
            rows.append(Row(spec.id, "wrong/*", "≥1 file", None, "missing", 0, "FAIL", "a lab ships wrong answers"))
        catches = spec.expected_catches()
        for path, is_solution in answers:
            started = time.monotonic()
            result = grade(spec, path.read_text(encoding="utf-8"))
            ms = int((time.monotonic() - started) * 1000)
            name = str(path.relative_to(spec.root))
            row = _judge(spec.id, name, is_solution, result, ms)
            if row.verdict == "ok" and not is_solution and path.name in catches:
                row = _judge_catch(row, result, catches[path.name])
            rows.append(row)
            if result.status == UNAVAILABLE:
                break  # every other answer would say the same
    if as_json:
        print(json.dumps([row.__dict__ for row in rows], indent=2))
    else:
        print(_format_rows(rows))
        print("\n" + _format_acceptance(rows))
    failed = [row for row in rows if row.verdict == "FAIL"]
    skipped = {row.lab for row in rows if row.verdict == "skipped"}
    labs_count = len({row.lab for row in rows})
    print(
        f"\n{labs_count} labs, {len(rows)} answers: {len(failed)} failed, "
        f"{len(skipped)} lab{'' if len(skipped) == 1 else 's'} skipped (not available on this installation)",
        file=sys.stderr if as_json else sys.stdout,
    )
    return 1 if failed else 0


def _judge(lab: str, name: str, is_solution: bool, result: Result, ms: int) -> Row:
    expected = "1.0" if is_solution else "<1.0"
    if result.status == UNAVAILABLE:
        return Row(lab, name, expected, None, result.status, ms, "skipped", result.message)
    if not result.gradable:
        return Row(lab, name, expected, result.score, result.status, ms, "FAIL", result.message)
    if is_solution:
        ok = result.score >= 1.0
        note = "" if ok else _first_failure(result)
    else:
        ok = result.score < 1.0
        note = "" if ok else "this wrong answer scores 1.0: the checks do not catch it"
        if ok and not _explains_itself(result):
            ok, note = False, "the failure has no learner-facing message"
    return Row(lab, name, expected, result.score, result.status, ms, "ok" if ok else "FAIL", note)


def _judge_catch(row: Row, result: Result, expected: str) -> Row:
    """A wrong answer must be caught by the check wrong/catches.toml names, not by luck."""
    wanted = expected.lower()
    if wanted in (result.status.lower(), "any"):
        return row
    failed = [c.name for c in result.checks if not c.passed]
    if any(wanted in name.lower() for name in failed):
        return row
    seen = ", ".join(failed) or f"no check ({result.status})"
    row.verdict, row.note = "FAIL", f"expected the check '{expected}' to catch it; failed: {seen}"
    return row


def _format_acceptance(rows: list[Row]) -> str:
    """Per lab: right answers accepted and wrong answers caught, as the issue asks to report."""
    lines = ["acceptance per lab (right answers scoring 1.0, wrong answers caught by their check):"]
    for lab in dict.fromkeys(row.lab for row in rows):
        mine = [row for row in rows if row.lab == lab and row.verdict != "skipped" and row.score is not None]
        right = [row for row in mine if row.expected == "1.0"]
        wrong = [row for row in mine if row.expected == "<1.0"]
        ok_right = sum(row.verdict == "ok" for row in right)
        ok_wrong = sum(row.verdict == "ok" for row in wrong)
        lines.append(f"  {lab:<28} right {ok_right}/{len(right)}   wrong caught {ok_wrong}/{len(wrong)}")
    return "\n".join(lines)


def _first_failure(result: Result) -> str:
    if result.message:
        return result.message
    failed = next((c for c in result.checks if not c.passed), None)
    return f"{failed.name}: {failed.message}" if failed else ""


def _explains_itself(result: Result) -> bool:
    if result.status != "graded":
        return bool(result.message)
    return all(c.message for c in result.checks if not c.passed)


def _format_rows(rows: list[Row]) -> str:
    header = ["lab", "answer", "expect", "score", "status", "ms", "verdict"]
    table = [
        [r.lab, r.answer, r.expected, "-" if r.score is None else f"{r.score:.2f}", r.status, str(r.ms), r.verdict]
        for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row, cells in zip(rows, table, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if row.note and row.verdict != "ok":
            lines.append(f"    └ {row.note[:300]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- coverage

# The practice a course promises (issue 12): every lesson practised at least twice, every
# week at least once, and enough in all for ten weeks.
MIN_PER_LESSON, MIN_PER_WEEK, MIN_TOTAL = 2, 1, 60
_FRONT_MATTER = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.DOTALL)


@dataclass
class LessonCoverage:
    id: str
    title: str
    week: int
    position: tuple[int, int]  # (module skill, order): the course's reading order
    labs: list[str]
    exercises: list[str]

    @property
    def count(self) -> int:
        return len(self.labs) + len(self.exercises)


def read_coverage(root: Path) -> tuple[dict[int, str], list[LessonCoverage], list[str], list[str]]:
    """(week titles, lessons with their graded items, items tied to no lesson, problems in
    the files read). Reads the files directly: the runtime never imports the site."""
    problems: list[str] = []
    weeks: dict[int, str] = {}
    course = root / "course.toml"
    try:
        for week in tomllib.loads(course.read_text(encoding="utf-8")).get("weeks", []):
            weeks[int(week["number"])] = str(week.get("title", ""))
    except (OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as exc:
        problems.append(f"{course}: {exc}")
    lessons: dict[str, LessonCoverage] = {}
    for module_toml in sorted(root.glob("modules/*/module.toml")):
        try:
            skill = int(tomllib.loads(module_toml.read_text(encoding="utf-8")).get("skill", 0))
        except (tomllib.TOMLDecodeError, ValueError) as exc:
            problems.append(f"{module_toml}: {exc}")
            continue
        for path in sorted((module_toml.parent / "lessons").glob("*.md")):
            found = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
            try:
                meta = tomllib.loads(found.group(1)) if found else {}
                lesson = LessonCoverage(
                    str(meta["id"]), str(meta["title"]), int(meta["week"]), (skill, int(meta["order"])), [], []
                )
            except (tomllib.TOMLDecodeError, KeyError, ValueError) as exc:
                problems.append(f"{path}: front matter unreadable ({exc})")
                continue
            lessons[lesson.id] = lesson
    unattached: list[str] = []
    for folder in find_labs(root):
        try:
            spec = load_spec(folder)
        except SpecError as exc:
            problems.append(f"{exc} (not counted)")
            continue
        lesson = lessons.get(spec.lesson or "")
        if lesson is None:
            if spec.lesson:
                problems.append(f"{folder / 'lab.toml'}: lesson: unknown lesson {spec.lesson!r} (not counted)")
                continue
            unattached.append(spec.id)
        else:
            (lesson.exercises if spec.kind == "exercise" else lesson.labs).append(spec.id)
    ordered = sorted(lessons.values(), key=lambda item: (item.week, item.position))
    return weeks, ordered, unattached, problems


def run_coverage(root: Path, *, as_json: bool = False) -> int:
    """Print graded items per week and lesson; exit 1 when a minimum is not met."""
    if not (root / "course.toml").is_file():
        print(f"error: {root / 'course.toml'} not found: give the curriculum folder", file=sys.stderr)
        return 2
    weeks, lessons, unattached, problems = read_coverage(root)
    total = sum(lesson.count for lesson in lessons) + len(unattached)
    for lesson in lessons:
        if lesson.count < MIN_PER_LESSON:
            problems.append(
                f"lesson {lesson.id} (week {lesson.week}) has {lesson.count} graded item"
                f"{'' if lesson.count == 1 else 's'}; at least {MIN_PER_LESSON}"
            )
    for number in sorted(weeks):
        if sum(lesson.count for lesson in lessons if lesson.week == number) < MIN_PER_WEEK:
            problems.append(f"week {number} has no graded item; at least {MIN_PER_WEEK}")
    if total < MIN_TOTAL:
        problems.append(f"{total} graded item{'' if total == 1 else 's'} in all; at least {MIN_TOTAL}")
    if as_json:
        payload = {
            "total": total,
            "weeks": {
                str(number): {
                    "title": title,
                    "lessons": {
                        lesson.id: {"labs": lesson.labs, "exercises": lesson.exercises}
                        for lesson in lessons
                        if lesson.week == number
                    },
                }
                for number, title in sorted(weeks.items())
            },
            "unattached": unattached,
            "problems": problems,
        }
        print(json.dumps(payload, indent=2))
    else:
        print(_format_coverage(weeks, lessons, unattached, total, problems))
    return 1 if problems else 0


def _format_coverage(
    weeks: dict[int, str], lessons: list[LessonCoverage], unattached: list[str], total: int, problems: list[str]
) -> str:
    lines = []
    for number in sorted(weeks):
        mine = [lesson for lesson in lessons if lesson.week == number]
        labs = sum(len(lesson.labs) for lesson in mine)
        exercises = sum(len(lesson.exercises) for lesson in mine)
        lines.append(f"week {number}: {weeks[number]}  {labs + exercises} graded ({_split(labs, exercises)})")
        for lesson in mine:
            short = f"   <- fewer than {MIN_PER_LESSON}" if lesson.count < MIN_PER_LESSON else ""
            split = _split(len(lesson.labs), len(lesson.exercises))
            lines.append(f"  {lesson.id:<42} {lesson.count:>3}  ({split}){short}")
    if unattached:
        lines.append(f"not tied to a lesson: {len(unattached)} ({', '.join(unattached)})")
    labs = sum(len(lesson.labs) for lesson in lessons)
    exercises = sum(len(lesson.exercises) for lesson in lessons)
    lines.append(
        f"\n{total} graded items ({_split(labs, exercises)} on lessons, {len(unattached)} elsewhere) "
        f"in {len(weeks)} weeks and {len(lessons)} lessons"
    )
    if problems:
        lines.append(f"\n{len(problems)} problem{'' if len(problems) == 1 else 's'}:")
        lines += [f"  {problem}" for problem in problems]
    else:
        lines.append(
            f"coverage ok: every lesson has at least {MIN_PER_LESSON}, every week at least {MIN_PER_WEEK}, "
            f"at least {MIN_TOTAL} in all"
        )
    return "\n".join(lines)


def _split(labs: int, exercises: int) -> str:
    return f"{labs} lab{'' if labs == 1 else 's'}, {exercises} exercise{'' if exercises == 1 else 's'}"


# --------------------------------------------------------------------------- sandbox


def run_sandbox(action: str) -> int:
    from labs.sandbox import base

    if action == "reap":
        reaped = base.reap_orphans()
        for path in reaped:
            print(f"reaped {path}")
        print(f"{len(reaped)} orphaned sandboxes removed")
        return 0
    rows = base.list_sandboxes()
    if not rows:
        print(f"no sandboxes under {base.SANDBOX_ROOT}")
        return 0
    print(f"{'kind':<10} {'owner':>8} {'alive':<6} {'pids':<18} {'ports':<18} path")
    for row in rows:
        owner = row.get("owner_pid")
        alive = "kept" if row.get("persistent") else ("yes" if row["owner_alive"] else "NO")
        pids = ",".join(str(p) for p in row.get("pids", [])) or "-"
        ports = ",".join(str(p) for p in row.get("ports", [])) or "-"
        print(f"{row.get('kind', '?'):<10} {owner or '-':>8} {alive:<6} {pids:<18} {ports:<18} {row['path']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
