"""Auto criteria of operational Postgres projects (backup-recovery): WAL archiving and the base
backup script on a primary started with the learner's settings in a box, and criteria graded by a
lab of the runtime (a runbook on the archive or standby topology) kept in the project's folder."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labs.engines.postgres import cluster as pg
from labs.engines.postgres.settings import PG_BIN
from labs.projects.env_pg import LearnerTimeout, PlatformFault
from labs.projects.pg_common import Award, text_of
from labs.projects.spec import Criterion, ProjectSpec
from labs.sandbox import base

# The settings a learner's primary.conf may set; the platform owns every other one.
ARCHIVE_SETTINGS = ("wal_level", "archive_mode", "archive_command", "archive_timeout", "max_wal_senders",
                    "max_replication_slots", "wal_keep_size")  # fmt: skip
SETTING = re.compile(r"^\s*([a-z_]+)\s*=?\s*('(?:[^']|'')*'|[^#\s]+)\s*(?:#.*)?$")


@dataclass
class OpsProjectEnv:
    spec: ProjectSpec
    deadline: float
    memo: dict[str, Any] = field(default_factory=dict)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LearnerTimeout("the project's time limit ran out before this criterion could run")
        return left


@contextlib.contextmanager
def open_ops_project(spec: ProjectSpec, deadline: float) -> Iterator[OpsProjectEnv]:
    env = OpsProjectEnv(spec, deadline)
    with env.stack:
        yield env


def parse_conf(text: str) -> tuple[dict[str, str], list[str]]:
    """``name = value`` lines of a postgresql.conf excerpt; (settings, problems)."""
    settings, problems = {}, []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        match = SETTING.match(line)
        if not match:
            problems.append(f"line {number} is not 'name = value'")
            continue
        name, value = match.group(1), match.group(2)
        if value.startswith("'"):
            value = value[1:-1].replace("''", "'")
        settings[name] = value
    return settings, problems


def _archive_server(env: OpsProjectEnv, handin: dict[str, bytes], options: dict[str, Any]) -> dict[str, Any]:
    """A primary started with the learner's archive settings (once per grade) and what it did."""
    if "archive" in env.memo:
        return env.memo["archive"]
    conf, problems = parse_conf(text_of(handin, options["config"]) or "")
    placeholder = options["archive_placeholder"]
    sandbox = base.make_sandbox_dir("pg-project-ops")
    env.stack.callback(base.remove_sandbox_dir, sandbox)
    cluster = pg.Cluster(sandbox)
    env.stack.callback(cluster.close)
    archive = cluster.make_dir("archive")
    chosen = {k: v.replace(placeholder, str(archive)) for k, v in conf.items() if k in ARCHIVE_SETTINGS}
    ignored = sorted(set(conf) - set(ARCHIVE_SETTINGS))
    primary = cluster.add_instance("primary")
    state: dict[str, Any] = {
        "cluster": cluster,
        "primary": primary,
        "archive": archive,
        "settings": chosen,
        "ignored": ignored,
        "problems": problems,
        "started": False,
    }
    env.memo["archive"] = state
    cluster.launch(primary, chosen)
    try:
        state["started"] = cluster.wait_until_ready(primary, time.monotonic() + 30)
    except TimeoutError:
        state["started"] = False
    if not state["started"]:
        state["start_error"] = "; ".join(primary.fatal_lines()) or primary.log_tail(3)
        return state
    with primary.connect() as conn:
        conn.execute("CREATE TABLE drill_load (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO drill_load SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g")
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
        until = time.monotonic() + float(options.get("archive_wait_s", 20))
        row: tuple = ()
        while time.monotonic() < until:
            row = conn.execute(
                "SELECT archived_count, failed_count, coalesce(last_archived_wal, ''), "
                "coalesce(last_failed_wal, '') FROM pg_stat_archiver"
            ).fetchone()
            if row[2] >= segment:
                break
            time.sleep(0.2)
        state["segment"], state["archiver"] = segment, row
        state["live"] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('archive_mode', 'archive_timeout', 'wal_level')"
            ).fetchall()
        )
    return state


def check_wal_archiving(env: OpsProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    state = _archive_server(env, handin, criterion.options)
    details: dict[str, Any] = {"settings_applied": state["settings"], "settings_ignored": state["ignored"]}
    if state["problems"]:
        details["config_problems"] = state["problems"]
    if not state["started"]:
        return Award(
            0,
            f"The primary did not start with your settings: {state['start_error']}. Check each value "
            "in a scratch cluster with pg_ctl start.",
            details,
        )
    archived, failed, last, last_failed = state["archiver"]
    live = state["live"]
    details.update(
        archiver={"archived": archived, "failed": failed, "last": last, "last_failed": last_failed}, live=live
    )
    earned, notes = 0, []
    if last and last >= state["segment"]:
        earned += 6
    else:
        notes.append(
            f"expected segment {state['segment']} in the archive within "
            f"{criterion.options.get('archive_wait_s', 20)} s of pg_switch_wal(); pg_stat_archiver's last "
            f"archived WAL is {last or 'none'} (archive_mode {live.get('archive_mode')})"
        )
    if failed == 0 and archived:
        earned += 2
    elif failed:
        notes.append(
            f"archive_command failed {failed} times (last on {last_failed}); it must succeed every time and "
            "never overwrite a segment"
        )
    timeout = int(live.get("archive_timeout") or 0)
    rpo = int(criterion.options.get("rpo_s", 300))
    if 0 < timeout <= rpo:
        earned += 2
    else:
        notes.append(
            f"archive_timeout is {timeout} s; to meet the 5-minute RPO on a quiet server it must be "
            f"between 1 and {rpo} s"
        )
    if not notes:
        return Award(
            criterion.points,
            f"Archiving works: {archived} segments archived with no failure, and a quiet "
            f"server has archive_timeout = {timeout} s, within the RPO.",
            details,
        )
    return Award(round(criterion.points * earned / 10, 2), "; ".join(notes) + ".", details)


def _run_script(env: OpsProjectEnv, state: dict[str, Any], script: Path, backup_dir: str) -> tuple[int, str]:
    primary = state["primary"]
    environment = {
        "PGHOST": str(primary.socket_dir), "PGPORT": str(primary.port), "PGUSER": pg.SUPERUSER,
        "BACKUP_DIR": backup_dir, "PATH": f"{PG_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(state["cluster"].sandbox.path),
    }  # fmt: skip
    cluster = state["cluster"]
    process = base.spawn_process(["bash", str(script)], box=cluster.sandbox.box, env=environment,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 cwd=str(cluster.sandbox.path))  # fmt: skip
    cluster.sandbox.add_process(process.pid)
    try:
        out, err = process.communicate(timeout=min(120.0, env.remaining()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return -1, "the script ran for more than 120 s and was stopped"
    return process.returncode, (err or out or "").strip()[-400:]


def check_base_backup(env: OpsProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    state = _archive_server(env, handin, criterion.options)
    if not state["started"]:
        return Award(0, "Not graded: the primary must start with your settings first (see WAL archiving).")
    cluster = state["cluster"]
    script = cluster.sandbox.path / "base_backup.sh"
    script.write_bytes(handin.get(criterion.options["script"], b""))
    base.chown_to_sandbox_user(script)
    target = cluster.make_dir("backups")
    backup_dir = str(target / "base")
    code, output = _run_script(env, state, script, backup_dir)
    details: dict[str, Any] = {"exit_code": code, "output": output}
    earned, notes = 0, []
    manifest = Path(backup_dir) / "backup_manifest"
    if code != 0:
        notes.append(f"the script must take the backup and exit 0, it exited {code}: {output[-200:]}")
    elif not manifest.is_file():
        notes.append(f"expected a backup with a backup_manifest in $BACKUP_DIR ({backup_dir}); none was written")
    else:
        verified = cluster.run_tool([str(PG_BIN / "pg_verifybackup"), "-n", backup_dir])
        details["pg_verifybackup"] = (verified.stderr or verified.stdout).strip()[-300:]
        if verified.returncode == 0:
            earned += 6
        else:
            notes.append(f"pg_verifybackup rejects the backup: {details['pg_verifybackup']}")
    # an unwritable target: the script must fail loudly (non-zero exit), not report success
    code, output = _run_script(env, state, script, "/proc/indexed-unwritable/base")
    details["unwritable_exit_code"], details["unwritable_output"] = code, output
    if code not in (0, -1):
        earned += 4
    else:
        notes.append(
            "with $BACKUP_DIR unwritable the script must exit non-zero; it exited "
            f"{code}" + " (use set -euo pipefail and check pg_basebackup's status)"
        )
    if not notes:
        return Award(
            criterion.points,
            "base_backup.sh takes a backup with a manifest that pg_verifybackup accepts, "
            "and fails with a non-zero exit when the target is unwritable.",
            details,
        )
    return Award(round(criterion.points * earned / 10, 2), "; ".join(notes) + ".", details)


# --------------------------------------------------------------------------- runtime labs


def _lab_result(env: OpsProjectEnv, lab_rel: str, answer: str) -> Any:
    from labs.runner import grade
    from labs.spec import load_spec

    key = f"lab:{lab_rel}"
    if key not in env.memo:
        source = env.spec.root / lab_rel
        with tempfile.TemporaryDirectory(prefix="project-lab-") as scratch:
            folder = Path(scratch) / source.name
            shutil.copytree(source, folder)
            (folder / "project-lab.toml").rename(folder / "lab.toml")
            env.remaining()
            env.memo[key] = grade(load_spec(folder), answer)
    return env.memo[key]


def check_lab_runbook(env: OpsProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    options = criterion.options
    answer = text_of(handin, options["answer"])
    if answer is None:
        return Award(0, f"{options['answer']} is missing.")
    result = _lab_result(env, options["lab"], answer)
    if not result.gradable:
        raise PlatformFault(f"the {options['lab']} drill could not be graded: {result.message}")
    if result.status == "rejected":
        return Award(0, f"{options['answer']} was refused before it ran: {result.message}", {"status": "rejected"})
    wanted = options.get("checks")
    checks = [c for c in result.checks if wanted is None or c.name in wanted]
    if wanted is not None and len(checks) != len(wanted):
        raise PlatformFault(f"{options['lab']}: the criterion names checks the lab does not have")
    total = sum(c.weight for c in checks)
    earned = sum(c.weight for c in checks if c.passed)
    details = {c.name: {"passed": c.passed, "message": c.message} for c in checks}
    failed = [c for c in checks if not c.passed]
    if not failed:
        return Award(criterion.points, " ".join(c.message for c in checks), details)
    first = failed[0]
    return Award(
        round(criterion.points * earned / total, 2),
        f"{first.message} {first.hint}".strip() + (f" ({len(failed) - 1} more below)" if len(failed) > 1 else ""),
        details,
    )
