"""``start_instance`` (a server on a copy of the template) and the worker's warm ``POOL`` of
query-lab instances; every instance is stopped at exit and forgotten after fork."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import Any

from labs.engines.postgres.server import LIVE_INSTANCES, PgInstance, launch_instance, spawn_instance
from labs.engines.postgres.settings import MAX_USES, QUERY_LAB_CONFIG
from labs.engines.postgres.template import initdb_template
from labs.sandbox import base
from labs.sandbox.base import SandboxDir


def start_instance(
    config: dict[str, str] | None = None,
    sandbox: SandboxDir | None = None,
    *,
    data_dir: Path | None = None,
    template_settings: dict[str, Any] | None = None,
    wait: bool = True,
) -> PgInstance:
    """Start one Postgres server from the template data directory (no initdb).

    ``config`` overrides ``QUERY_LAB_CONFIG`` (e.g. ``{"wal_level": "replica",
    "archive_mode": "on", ...}`` for operational labs). With ``sandbox``, the instance lives
    in a subfolder of that sandbox directory and its pid is recorded there (the caller
    removes the directory); without, it gets its own sandbox directory that ``stop()``
    removes. ``data_dir`` starts an existing data directory (a base backup, a standby)
    instead of a copy of the template; ``wait=False`` returns before it accepts connections
    (then call ``wait_ready()``). Use it as a context manager.
    """
    template = initdb_template(template_settings)
    owns = sandbox is None
    sandbox = sandbox or base.make_sandbox_dir("pg")
    try:
        home = sandbox.path / f"pg-{secrets.token_hex(3)}"
        home.mkdir(mode=0o700)
        if data_dir is None:
            data_dir = home / "data"
            shutil.copytree(template.data_dir, data_dir, copy_function=shutil.copyfile)
            os.chmod(data_dir, 0o700)
            base.chown_to_sandbox_user(home)
        else:
            base.chown_to_sandbox_user(home)
        merged = {**QUERY_LAB_CONFIG, **(config or {})}
        launch = launch_instance if wait else spawn_instance
        instance = launch(data_dir, home, merged, template.password, sandbox)
    except BaseException:
        if owns:
            base.remove_sandbox_dir(sandbox)
        raise
    instance.owns_sandbox = owns
    return instance


# --------------------------------------------------------------------------- pool


class InstancePool:
    """Warm query-lab instances of this worker process, handed out one attempt at a time."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[PgInstance] = []
        self._lock = threading.Lock()

    def acquire(self) -> PgInstance:
        with self._lock:
            while self._idle:
                instance = self._idle.pop()
                if instance.alive():
                    return instance
                instance.stop()
        return start_instance()

    def release(self, instance: PgInstance, reusable: bool) -> None:
        instance.uses += 1
        box = instance.sandbox.box if instance.sandbox is not None else None
        if box is not None and box.breach() is not None:
            reusable = False  # its kill counters would blame the next learner
        if reusable and instance.alive() and instance.uses < MAX_USES:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(instance)
                    return
        instance.stop()

    def warm(self, count: int | None = None) -> None:
        """Start instances ahead of the first attempt (e.g. in a worker's init hook)."""
        wanted = min(count or self.size, self.size)
        for _ in range(max(0, wanted - self.idle_count())):
            instance = start_instance()
            with self._lock:
                self._idle.append(instance)

    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for instance in idle:
            instance.stop()


POOL = InstancePool(int(os.environ.get("INDEXED_PG_POOL_SIZE", "2")))


def live_instances() -> list[PgInstance]:
    """Instances this process started and has not stopped yet."""
    return list(LIVE_INSTANCES)


def shutdown() -> None:
    """Stop every instance this process started (pool and direct). Registered with atexit."""
    POOL.close()
    for instance in list(LIVE_INSTANCES):
        with contextlib.suppress(Exception):
            instance.stop()


def _forget_after_fork() -> None:
    # A forked worker must not stop or reuse its parent's servers: start afresh.
    POOL._idle = []
    POOL._lock = threading.Lock()
    LIVE_INSTANCES.clear()


atexit.register(shutdown)
os.register_at_fork(after_in_child=_forget_after_fork)
