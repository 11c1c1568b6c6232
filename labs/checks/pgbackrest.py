"""``backup``: judge a pgBackRest lab by what the platform observed (engine ``pgbackrest``).

[[checks]]
type = "backup"
expect = "backup_set"      # after the learner's commands the repository holds a full, a diff and an incr

[[checks]]
type = "backup"
expect = "restored"        # restore --type=time to the platform's moment: every row before it, none after

[[checks]]
type = "backup"
expect = "retention"       # after the platform's later full backups, exactly ``full`` full backups remain
full = 2

[[checks]]
type = "backup"
expect = "archive_kept"    # every retained backup keeps the WAL it needs to be restored to a later time
"""

from __future__ import annotations

from typing import Any

import psycopg

from labs.engines.pgbackrest.attempt import TICKS, BackrestAttempt, table_counts
from labs.result import CheckResult
from labs.sandbox.base import SandboxError
from labs.spec import CheckSpec

EXPECTATIONS = ("backup_set", "restored", "retention", "archive_kept")


def check(attempt: BackrestAttempt, check_spec: CheckSpec) -> CheckResult:
    expect = check_spec.params.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(
            f"lab {attempt.spec.id}: checks[{check_spec.index}].expect must be one of "
            f"{', '.join(EXPECTATIONS)}, got {expect!r}"
        )
    function = {
        "backup_set": check_backup_set,
        "restored": check_restored,
        "retention": check_retention,
        "archive_kept": check_archive_kept,
    }[expect]
    return function(attempt, check_spec)


def _result(check_spec: CheckSpec, passed: bool, message: str, hint: str = "", **artifacts: Any) -> CheckResult:
    return CheckResult(name=check_spec.name, passed=passed, message=message, hint=hint, artifacts=artifacts)


def backups(info: list[dict[str, Any]], stanza: str) -> list[dict[str, Any]]:
    for entry in info:
        if entry.get("name") == stanza:
            return list(entry.get("backup", []))
    return []


def describe(backup_list: list[dict[str, Any]]) -> str:
    if not backup_list:
        return "no backup at all"
    return ", ".join(f"{b['type']} {b['label']}" for b in backup_list)


def check_backup_set(attempt: BackrestAttempt, check_spec: CheckSpec) -> CheckResult:
    held = backups(attempt.notes.get("info_after_answer", []), attempt.stanza)
    types = [b["type"] for b in held]
    missing = [t for t in ("full", "diff", "incr") if t not in types]
    labels = {b["label"]: b for b in held}
    orphans = [b["label"] for b in held if b["type"] != "full" and b.get("prior") not in labels]
    diffs_on_full = all(labels.get(b.get("prior"), {}).get("type") == "full" for b in held if b["type"] == "diff")
    seen = f"After your commands the repository held: {describe(held)}."
    if missing:
        hint = (
            "Take one backup of each type with --type=full, --type=diff and --type=incr. A diff or incr asked "
            "for before any full is silently taken as a full (pgBackRest prints a WARN), so take the full first."
        )
        return _result(check_spec, False, f"Expected at least one full, one diff and one incr backup. {seen} "
                       f"Missing: {', '.join(missing)}.", hint, backups=types)
    if orphans or not diffs_on_full:
        return _result(check_spec, False, f"Expected every diff to depend on a full and every incr on a backup "
                       f"the repository still holds. {seen}", "Keep the chain whole: full, then diff, then incr.",
                       backups=types)
    return _result(check_spec, True, f"{seen} Full, differential and incremental are all there.", backups=types)


def check_restored(attempt: BackrestAttempt, check_spec: CheckSpec) -> CheckResult:
    restore = attempt.notes.get("restore", {})
    target = attempt.notes.get("target_time", "?")
    if restore.get("error"):
        return _result(
            check_spec, False,
            f"The platform destroyed the cluster and ran pgbackrest restore --type=time --target='{target}'; "
            f"expected a server promoted at that moment, saw: {restore['error']}",
            "A time restore needs a backup that ended before the target and every WAL segment from that backup "
            "to the target in the archive: keep archive_command working and do not expire the archive too early.",
        )
    expected: dict[str, int] = attempt.notes.get("expected_ticks", {})
    try:
        with attempt.connect() as conn:
            got = dict(conn.execute(f"SELECT phase, count(*) FROM {TICKS} GROUP BY phase").fetchall())
        counts = table_counts(attempt.server())  # type: ignore[arg-type]
    except (psycopg.Error, SandboxError) as exc:
        return _result(check_spec, False, f"The restored server could not be read: {exc}",
                       "The restore must leave a running, promoted server.")
    problems = []
    for phase, what in (("during", "written while your backups ran"), ("before", "committed just before the target")):
        if got.get(phase, 0) != expected.get(phase, 0):
            problems.append(f"{expected.get(phase, 0)} rows {what}, found {got.get(phase, 0)}")
    if got.get("after", 0):
        problems.append(f"no row committed after the target, found {got['after']}")
    seed = attempt.notes.get("seed_counts", {})
    lost = {name: (rows, counts.get(name)) for name, rows in seed.items() if counts.get(name) != rows}
    problems += [f"{rows} rows in {name}, found {found}" for name, (rows, found) in lost.items()]
    seconds = restore.get("seconds_to_promoted")
    if problems:
        return _result(check_spec, False, f"After restoring to '{target}' the platform expected " + "; ".join(problems)
                       + ".", "Every commit before the target must come back from the backups plus the WAL archive.")
    return _result(check_spec, True, f"Restored to '{target}' and promoted in {seconds} s: every row committed before "
                   "the target is back, none after.", restore_seconds=seconds)


def check_retention(attempt: BackrestAttempt, check_spec: CheckSpec) -> CheckResult:
    wanted = int(check_spec.params.get("full", 2))
    runs = attempt.notes.get("next_fulls", [])
    failed = next((run["error"] for run in runs if not run["ok"]), None)
    if attempt.notes.get("restore", {}).get("error") or not runs:
        return _result(check_spec, False, "Retention could not be observed: the restore failed, so the platform "
                       "took no later full backups.", "Fix the restore first (see the check above).")
    if failed:
        return _result(check_spec, False, f"The platform's later full backup with your configuration failed: {failed}",
                       "Your pgbackrest.conf must keep working for the backups after yours.")
    held = backups(attempt.notes.get("info_after_retention", []), attempt.stanza)
    fulls = [b for b in held if b["type"] == "full"]
    seen = (f"After your backups and {len(runs)} more full backups taken with your pgbackrest.conf, the repository "
            f"held {len(fulls)} full backup(s): {describe(held)}.")
    if len(fulls) != wanted:
        hint = ("pgBackRest expires old backups after each backup from the retention in the configuration file "
                "(the cron job's command line is not where policy lives): repo1-retention-full counts full backups, "
                "and the diff and incr backups of an expired full go with it.")
        return _result(check_spec, False, f"Expected exactly {wanted} full backups to be kept. {seen}", hint,
                       fulls=len(fulls))
    return _result(check_spec, True, f"{seen} Retention keeps {wanted} full backups, as asked.", fulls=len(fulls))


def check_archive_kept(attempt: BackrestAttempt, check_spec: CheckSpec) -> CheckResult:
    info = attempt.notes.get("info_after_retention") or []
    held = backups(info, attempt.stanza)
    runs = attempt.notes.get("next_fulls") or []
    if not held or not runs or not all(run["ok"] for run in runs):
        return _result(check_spec, False, "Expected retained backups with their WAL; the repository held none "
                       "after the platform's later full backups.", "Fix the checks above first.")
    segments = set(attempt.notes.get("archived_segments", []))
    size = int(attempt.notes.get("wal_segment_size") or 16 * 1024 * 1024)
    newest = max(segments) if segments else None
    cut = {}
    for backup in held:
        gap = first_gap(backup["archive"]["start"], newest, segments, size)
        if gap is not None:
            cut[backup["label"]] = gap
    if cut:
        where = ", ".join(f"{label} (first missing segment {gap})" for label, gap in cut.items())
        return _result(
            check_spec, False,
            "Expected every retained backup to keep the WAL from its start to the newest segment, so it can be "
            f"restored to any later moment. The archive has a gap after the start of: {where}.",
            "repo1-retention-archive trims the WAL archive: set it no lower than the number of full backups kept "
            "(or leave it unset, and the archive follows repo1-retention-full).",
        )
    oldest_wal = min(segments) if segments else "?"
    return _result(check_spec, True, f"The WAL archive starts at {oldest_wal}: each of the {len(held)} retained "
                   "backups can be restored to any later time.")


def first_gap(start: str, newest: str | None, segments: set[str], segment_size: int) -> str | None:
    """The first WAL segment missing between ``start`` and the newest segment of the same
    timeline (names are timeline, log and segment in hex), or None when none is missing."""
    if newest is None:
        return start
    timeline = start[:8]
    last = max((s for s in segments if s[:8] == timeline), default=None)
    if last is None:
        return start
    per_log = 0x100000000 // segment_size
    position = int(start[8:16], 16) * per_log + int(start[16:], 16)
    end = int(last[8:16], 16) * per_log + int(last[16:], 16)
    while position <= end:
        name = f"{timeline}{position // per_log:08X}{position % per_log:08X}"
        if name not in segments:
            return name
        position += 1
    return None
