"""Restarting a Redis server in its box, on the same data directory, port and passwords: what a
persistence lab does to see which keys survive the learner's settings (labs.checks.redis_persistence).
"""

from __future__ import annotations

import subprocess
import time

from labs.engines.redis.deployment import (
    RedisDeployment,
    _spawn_server,
    _wait_ready,
    _write_config,
)
from labs.engines.redis.resp import START_TIMEOUT
from labs.sandbox.base import chown_to_sandbox_user

# What a restart carries over from the running server into its new redis.conf, as if the
# learner had written their CONFIG SET values into the file.
RESTART_SETTINGS = ("appendonly", "appendfsync", "save", "maxmemory-policy", "aof-use-rdb-preamble")
BACKGROUND_WAIT = 5.0  # seconds a restart waits for a running BGSAVE or AOF rewrite to finish


def persistence_settings(deployment: RedisDeployment, node: int = 0) -> dict[str, str]:
    """The running server's persistence settings (RESTART_SETTINGS), as CONFIG GET shows them."""
    settings = {}
    for name in RESTART_SETTINGS:
        reply = deployment.config("GET", name, node=node)
        settings[name] = reply[1].decode() if isinstance(reply, list) and len(reply) == 2 else ""
    return settings


def wait_for_background_saves(deployment: RedisDeployment, node: int = 0, timeout: float = BACKGROUND_WAIT) -> bool:
    """Wait until no BGSAVE or AOF rewrite runs or is scheduled; False if one still does at ``timeout``.

    Turning AOF on at run time starts a rewrite that writes the existing data into the new
    log; until it ends only the commands after it are logged. A restart check waits for it,
    so what it measures is the learner's settings, not the moment the crash happened to hit."""
    deadline = time.monotonic() + timeout
    busy = (b"rdb_bgsave_in_progress:1", b"aof_rewrite_in_progress:1", b"aof_rewrite_scheduled:1")
    while True:
        info = deployment.admin(node).call("INFO", "persistence")
        if not any(flag in info for flag in busy):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def restart_node(deployment: RedisDeployment, node: int = 0, how: str = "kill") -> dict[str, str]:
    """Stop one server and start it again on the same data directory, port and passwords.

    ``how``: "kill" is SIGKILL, a crash of the Redis process (the machine stays up, so what was
    written to the AOF is in the page cache and survives); "term" is SIGTERM, a clean shutdown,
    which also writes an RDB snapshot when save points are configured. The new server reads a
    redis.conf holding the old one's persistence settings (``RESTART_SETTINGS``), as if they had
    been written into the file. Returns those settings."""
    if how not in ("kill", "term"):
        raise ValueError(f"restart how={how!r}: must be 'kill' or 'term'")
    settings = persistence_settings(deployment, node)
    target = deployment.nodes[node]
    connection = deployment._admin.pop(node, None)
    if connection is not None:
        connection.close()
    if how == "kill":
        target.process.kill()
    else:
        target.process.terminate()
    try:
        target.process.wait(timeout=START_TIMEOUT * 2)
    except subprocess.TimeoutExpired:
        target.process.kill()
        target.process.wait(timeout=5)
    if target.process.pid in deployment.sandbox.pids:
        deployment.sandbox.pids.remove(target.process.pid)
    conf = _write_config(deployment, target.path, target.port, target.bus_port, settings)
    chown_to_sandbox_user(target.path)
    target.process = _spawn_server(deployment, conf, target.path, target.port)
    _wait_ready(deployment, target)
    return settings
