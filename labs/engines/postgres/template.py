"""The template data directory: initdb once per machine (cached under ``SANDBOX_ROOT/templates``
and keyed by its settings), with the unprivileged learner role already in it; instances copy it."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labs.engines.postgres.server import launch_instance
from labs.engines.postgres.settings import (
    ADMIN_USER,
    INITDB_SETTINGS,
    LEARNER_ROLE,
    PG_BIN,
    QUERY_LAB_CONFIG,
    pg_version,
)
from labs.sandbox import base
from labs.sandbox import box as boxes
from labs.sandbox.base import SandboxError

# --------------------------------------------------------------------------- template data dir


def _templates_root() -> Path:
    root = base.SANDBOX_ROOT / "templates"
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(base.SANDBOX_ROOT, 0o711)
    os.chmod(root, 0o711)
    marker = root / base.OWNER_FILE
    if not marker.exists():
        # The reaper removes folders whose owner died; pid 1 never dies, so the shared
        # template cache is never reaped. ("persistent" says why, for `sandbox ls`.)
        marker.write_text(
            json.dumps({"owner_pid": 1, "kind": "templates", "persistent": True, "pids": [], "ports": []})
        )
    return root


@dataclass(frozen=True)
class Template:
    path: Path  # holds data/, admin.password and READY

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def password(self) -> str:
        return (self.path / "admin.password").read_text().strip()


def initdb_template(settings: dict[str, Any] | None = None) -> Template:
    """The template data directory for this Postgres version and initdb settings.

    Built once per machine (a file lock serialises concurrent workers) and cached on disk;
    later calls return at once. The template already holds the ``learner`` role and a
    pg_hba.conf that trusts only the private unix socket and asks a password on 127.0.0.1.
    """
    settings = {**INITDB_SETTINGS, **(settings or {})}
    key = hashlib.sha256(json.dumps({"version": pg_version(), **settings}, sort_keys=True).encode()).hexdigest()[:12]
    root = _templates_root()
    final = root / f"pg{pg_version().split('.')[0]}-{key}"
    if (final / "READY").exists():
        _seal_template(final)
        return Template(final)
    with open(root / f"{final.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "READY").exists():  # another worker built it while we waited
            return Template(final)
        shutil.rmtree(final, ignore_errors=True)
        build = root / f".build-{final.name}-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            _build_template(build, settings)
            build.rename(final)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    _seal_template(final)
    return Template(final)


def _seal_template(path: Path) -> None:
    """Hand the built template to root, 0700: every instance is a copy of it, so a learner's
    shell (the sandbox user) must neither read its admin password nor plant a setting in it."""
    if not base.is_root() or path.stat().st_uid == 0:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, 0, 0)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), 0, 0)
    os.chmod(path, 0o700)


def _build_template(build: Path, settings: dict[str, Any]) -> None:
    build.mkdir(mode=0o700)
    password = secrets.token_urlsafe(18)
    (build / "admin.password").write_text(password)
    pwfile = build / "pwfile"
    pwfile.write_text(password + "\n")
    base.chown_to_sandbox_user(build)
    cmd = [
        str(PG_BIN / "initdb"),
        "-D",
        str(build / "data"),
        "-U",
        ADMIN_USER,
        f"--pwfile={pwfile}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
        "--no-instructions",
        f"--wal-segsize={settings['wal_segsize']}",
        f"--encoding={settings['encoding']}",
        f"--locale={settings['locale']}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=boxes.sandbox_env(build), **base.demote_kwargs())
    pwfile.unlink()
    if done.returncode != 0:
        raise SandboxError(f"initdb failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    # Only our own process reaches the private socket (its directory is 0700), so local trust
    # is safe; TCP on 127.0.0.1 needs the admin password (operational labs and replicas use it).
    (build / "data" / "pg_hba.conf").write_text(
        "local all all trust\n"
        "local replication all trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
        "host replication all 127.0.0.1/32 scram-sha-256\n"
    )
    instance = launch_instance(build / "data", build, dict(QUERY_LAB_CONFIG), password)
    try:
        with instance.connect() as conn:
            conn.execute(
                f"CREATE ROLE {LEARNER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                "NOINHERIT CONNECTION LIMIT 12"
            )
            # The learner may connect only to the databases we grant per lab.
            conn.execute("REVOKE ALL ON DATABASE postgres FROM PUBLIC")
            conn.execute("REVOKE ALL ON DATABASE template1 FROM PUBLIC")
            conn.execute("CHECKPOINT")
            conn.execute("CHECKPOINT")  # the second one recycles the WAL the first left behind
    finally:
        instance.stop(remove=False)
    shutil.rmtree(build / "sock", ignore_errors=True)
    (build / "data" / "postmaster.opts").unlink(missing_ok=True)
    (build / "postgres.log").unlink(missing_ok=True)
    (build / "READY").write_text(json.dumps({"version": pg_version(), "settings": settings, "built": time.time()}))
