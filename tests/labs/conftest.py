"""Fixtures for the lab-runtime tests: a private sandbox root and a guard against leftovers.

The sandbox root must be chosen before ``labs.sandbox.base`` is imported (it reads the
environment once), hence the assignment at import time. tmpfs is preferred: sandbox data is
disposable and creating Postgres' ~1000 files is 40x faster there than on this VM's disk.
Set INDEXED_SANDBOX_ROOT yourself to override.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

os.environ.setdefault(
    "INDEXED_SANDBOX_ROOT",
    "/dev/shm/indexed-sandboxes-test" if Path("/dev/shm").is_dir() else "/tmp/indexed-sandboxes-test",
)

FIXTURE_LABS = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs"


def _own_postgres_sandboxes() -> list[dict]:
    from labs.sandbox import base

    return [
        row
        for row in base.list_sandboxes()
        if row.get("owner_pid") == os.getpid() and str(row.get("kind", "")).startswith("pg")
    ]


@pytest.fixture(scope="session", autouse=True)
def no_postgres_leftovers():
    """After the session: every Postgres server this process started is stopped and its
    sandbox directory is gone (the pool is shut down first, as atexit would)."""
    yield
    from labs.sandbox import postgres

    recorded = [pid for row in _own_postgres_sandboxes() for pid in row.get("pids", [])]
    postgres.shutdown()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (_own_postgres_sandboxes() or any(_alive(pid) for pid in recorded)):
        time.sleep(0.05)
    leftovers = _own_postgres_sandboxes()
    alive = [pid for pid in recorded if _alive(pid)]
    for row in leftovers:  # clean up anyway so one failure does not poison the next run
        shutil.rmtree(row["path"], ignore_errors=True)
    assert not leftovers, f"sandbox directories left behind: {[row['path'] for row in leftovers]}"
    assert not alive, f"postgres processes left running: {alive}"
    assert not postgres.live_instances(), "instances still registered as live"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes (its parent, the test process, reaps it later)
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="session")
def fixture_labs() -> Path:
    return FIXTURE_LABS


@pytest.fixture
def pg_lab():
    """Load a fixture lab by folder name: ``pg_lab("pg-result")``."""
    from labs.spec import load_spec

    def load(name: str):
        return load_spec(FIXTURE_LABS / name)

    return load


@pytest.fixture
def make_lab(tmp_path):
    """Write a lab folder from strings and load it: ``make_lab(toml, setup=..., solution=...)``."""
    from labs.spec import load_spec

    counter = {"n": 0}

    def make(
        lab_toml: str,
        *,
        setup: str = "",
        solution: str = "SELECT 1",
        hidden: str | None = None,
        solution_name: str = "solution.sql",
    ):
        counter["n"] += 1
        folder = tmp_path / f"lab{counter['n']}"
        folder.mkdir()
        (folder / "lab.toml").write_text(lab_toml)
        (folder / "setup.sql").write_text(setup)
        (folder / solution_name).write_text(solution)
        if hidden is not None:
            (folder / "hidden.sql").write_text(hidden)
        return load_spec(folder)

    return make
