"""The PITR lab's incident, built once per lab version and reused by every attempt.

Every attempt at an ``archive`` lab needs the same starting point: a base backup taken before
the incident, the WAL archive that holds the incident, and the marks the scenario recorded
(``@drop.time`` ...). Building them (start a primary, load setup.sql, pg_basebackup, play
scenario.sql, archive the WAL) took ~1.9 of the ~2.4 s a grade cost. They depend only on the
lab's files and the Postgres binaries, so they are built once per cache key, in a sandbox of
their own, and copied out to ``CACHE_ROOT``; an attempt copies the backup and the archive
into its own box (the box's account never reads the cache itself) and restores from there.

The cache lives next to the sandbox root, not inside it: the reaper removes any directory
under the sandbox root whose owner died.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labs.sandbox import base
from labs.sandbox.base import SandboxError

if TYPE_CHECKING:
    from labs.engines.postgres.cluster import Cluster
    from labs.spec import LabSpec

CACHE_FORMAT = "1"  # bump when what a cache entry holds changes
CACHE_ROOT = Path(os.environ.get("INDEXED_PITR_CACHE", f"{base.SANDBOX_ROOT}-cache"))


@dataclass(frozen=True)
class ArchiveInputs:
    """A built incident: base backup, WAL archive and the scenario's marks."""

    root: Path
    marks: dict[str, dict[str, Any]]
    archived_through: str

    @property
    def backup(self) -> Path:
        return self.root / "base_backup"

    @property
    def archive(self) -> Path:
        return self.root / "archive"


def cache_key(spec: LabSpec) -> str:
    """Changes with the lab's seed, lab.toml, scenario.sql and the Postgres binaries."""
    from labs.engines.postgres.cluster import ensure_template
    from labs.engines.postgres.settings import PG_BIN

    digest = hashlib.sha256(CACHE_FORMAT.encode())
    digest.update(spec.content_hash().encode())
    digest.update((spec.read("scenario.sql") or "").encode())
    digest.update(str(PG_BIN).encode())
    digest.update((ensure_template() / "PG_VERSION").read_bytes())
    return digest.hexdigest()[:16]


def archive_inputs(spec: LabSpec) -> tuple[ArchiveInputs, bool]:
    """The lab's incident, built now if no attempt built it before; (inputs, built_now)."""
    key = cache_key(spec)
    CACHE_ROOT.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = CACHE_ROOT / f"pitr-{_safe(spec.id)}-{key}"
    cached = _load(folder)
    if cached is not None:
        return cached, False
    with open(CACHE_ROOT / f"pitr-{_safe(spec.id)}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per lab; the others wait and reuse its work
        cached = _load(folder)
        if cached is not None:
            return cached, False
        _build(spec, folder)
        for stale in CACHE_ROOT.glob(f"pitr-{_safe(spec.id)}-*"):
            if stale != folder and stale.is_dir():  # an older version of this lab
                shutil.rmtree(stale, ignore_errors=True)
    built = _load(folder)
    if built is None:
        raise SandboxError(f"the PITR cache for lab {spec.id} could not be read back from {folder}")
    return built, True


def copy_into(cluster: Cluster, inputs: ArchiveInputs) -> Path:
    """The archive, copied into the attempt's sandbox (read by its restore_command there)."""
    target = cluster.sandbox.path / "archive"
    copied = cluster.run_tool(
        ["cp", "-a", "--reflink=auto", str(inputs.archive), str(target)], as_sandbox_user=False
    )
    if copied.returncode:
        raise SandboxError(f"could not copy the WAL archive: {copied.stderr.strip()}")
    base.chown_to_sandbox_user(target)
    os.chmod(target, 0o700)
    return target


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _load(folder: Path) -> ArchiveInputs | None:
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    if not (folder / "base_backup").is_dir() or not (folder / "archive").is_dir():
        return None
    return ArchiveInputs(root=folder, marks=meta["marks"], archived_through=meta["archived_through"])


def _build(spec: LabSpec, folder: Path) -> None:
    """Play the incident in a sandbox of its own and copy its results to ``folder``."""
    from labs.engines.postgres import cluster as pg
    from labs.engines.postgres.settings import PG_BIN

    started = time.monotonic()
    with base.sandbox_dir("pg-pitr-build") as sandbox:
        cluster = pg.Cluster(sandbox)
        try:
            archive = cluster.make_dir("archive")
            primary = cluster.add_instance("primary")
            cluster.start(
                primary,
                {
                    "archive_mode": "on",
                    # Copy aside then rename, so restore_command never sees a half-written segment.
                    "archive_command": (
                        f"test ! -f {archive}/%f && cp %p {archive}/%f.part && mv {archive}/%f.part {archive}/%f"
                    ),
                },
            )
            pg.run_sql(primary, spec.seed, "setup.sql")
            backup = sandbox.path / "base_backup"
            taken = cluster.run_tool(
                [
                    str(PG_BIN / "pg_basebackup"), "-D", str(backup), "-h", str(primary.socket_dir),
                    "-p", str(primary.port), "-U", pg.SUPERUSER, "-c", "fast", "-X", "stream",
                    "--no-sync", "--no-manifest",
                ]
            )  # fmt: skip
            if taken.returncode:
                raise SandboxError(f"pg_basebackup failed: {taken.stderr.strip()}")
            try:
                marks = pg.play_scenario(primary, spec.read("scenario.sql") or "")
            except ValueError as exc:
                raise SandboxError(f"lab {spec.id}: {exc}") from None
            with primary.connect() as conn:
                last = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
                pg.wait_for(
                    lambda: (conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0] or "")
                    >= last,
                    time.monotonic() + pg.PLATFORM_TIMEOUT,
                    SandboxError(f"WAL segment {last} was not archived in time"),
                )
            cluster.stop(primary)
            partial = folder.with_name(folder.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(mode=0o700)
            for name, source in (("base_backup", backup), ("archive", archive)):
                done = subprocess.run(
                    ["cp", "-a", str(source), str(partial / name)], capture_output=True, text=True, check=False
                )
                if done.returncode:
                    raise SandboxError(f"could not keep the PITR {name}: {done.stderr.strip()}")
            meta = {"marks": marks, "archived_through": last, "built_s": round(time.monotonic() - started, 3)}
            (partial / "meta.json").write_text(json.dumps(meta))
            shutil.rmtree(folder, ignore_errors=True)  # a half-removed entry from an older run
            os.replace(partial, folder)  # atomic: a reader sees a whole entry or none
        finally:
            cluster.close()
