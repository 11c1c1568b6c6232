"""Where the Postgres binaries are and the settings every sandboxed server, template and query lab
runs with; ``pg_version`` and ``find_missing_binaries`` say what this machine has."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from labs.sandbox.base import SandboxError

PG_BIN = Path(os.environ.get("INDEXED_PG_BIN", "/usr/lib/postgresql/15/bin"))
ADMIN_USER = "sandbox_admin"
LEARNER_ROLE = "learner"
QUERY_TOPOLOGIES = ("database", "readonly")
OPERATIONAL_TOPOLOGIES = ("archive", "standby", "shards")

# initdb options: part of the template cache key. 1 MB WAL segments keep the copy small.
INITDB_SETTINGS: dict[str, Any] = {"encoding": "UTF8", "locale": "C.UTF-8", "wal_segsize": 1}

# Server settings for query-lab instances. Sandbox data is disposable, so durability is off;
# parallel query and JIT are off so plans are stable and small on a 2-core worker.
QUERY_LAB_CONFIG: dict[str, str] = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "shared_buffers": "16MB",
    "max_connections": "24",
    "autovacuum": "off",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "max_worker_processes": "2",
    "max_logical_replication_workers": "0",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "min_wal_size": "2MB",
    "max_wal_size": "64MB",
    "checkpoint_timeout": "1h",
    "deadlock_timeout": "100ms",
    "temp_file_limit": "64MB",
    "log_checkpoints": "off",
    "log_min_messages": "warning",
    "log_line_prefix": "%m [%p] %u@%d ",
    "max_prepared_transactions": "0",
    "huge_pages": "off",
    # segments in data_dir/pg_dynshmem, not /dev/shm: a SIGKILLed server (a timeout, the reaper)
    # leaves nothing behind once its sandbox directory is removed
    "dynamic_shared_memory_type": "mmap",
}

# Per-lab limits; a lab overrides any of them in [engine_options].
DEFAULT_OPTIONS: dict[str, Any] = {
    "row_cap": 1000,  # rows fetched from a learner's query before we stop and mark it truncated
    "preview_rows": 50,  # rows shown in artifacts
    "work_mem": "4MB",
    "lock_timeout": "3s",
    "learner_owns_schema": False,  # DDL labs (CREATE INDEX on given tables) set this to true
    "max_answer_bytes": 100_000,
}

TRANSACTION_CONTROL = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"})
READY_TIMEOUT = 15.0  # seconds for a copied instance to accept connections
PLATFORM_STATEMENT_TIMEOUT_MS = 120_000  # our own statements (setup.sql, reference runs)
PLATFORM_ALLOWANCE = 120.0  # most seconds of platform work that may push a learner's deadline
CANCEL_GRACE = 0.4  # after a cancel request, seconds before the instance is killed
MAX_LAB_DATABASES = 24  # lab template databases kept per instance (LRU)
MAX_USES = 500  # attempts before an instance is recycled (bounds catalog bloat)
# Every grader/admin session: built-ins first, the session's temp schema last (unlisted, it
# would come first for relations), learner schemas never.
GRADER_SEARCH_PATH = "-c search_path=pg_catalog,pg_temp"


# --------------------------------------------------------------------------- binaries


@cache
def pg_version() -> str:
    """``15.20``: the server's full version (part of the template cache key)."""
    try:
        out = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SandboxError(f"cannot run {PG_BIN / 'postgres'}: {exc}") from exc
    return out.stdout.split()[-1]


def find_missing_binaries() -> str | None:
    for name in ("postgres", "initdb"):
        if not os.access(PG_BIN / name, os.X_OK):
            return f"{PG_BIN / name} is not installed (set INDEXED_PG_BIN to the PostgreSQL bin directory)"
    return None
