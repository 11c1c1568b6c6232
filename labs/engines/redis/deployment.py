"""Redis servers for an attempt: ``redis-server`` processes (boxed, limited, with per-attempt
passwords and renamed commands), a standalone server or a Redis Cluster formed from N shards, and
the warm spare clusters (``WARM_CLUSTERS``) that make a cluster ready in well under a second.
"""

from __future__ import annotations

import atexit
import functools
import os
import resource
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.crc import key_slot

from labs.engines.redis.resp import (
    ADMIN_TIMEOUT,
    HOST,
    START_TIMEOUT,
    ConnectionLost,
    RedisReplyError,
    ReplyTimeout,
    RespConnection,
)
from labs.sandbox.base import (
    SandboxDir,
    SandboxError,
    chown_to_sandbox_user,
    ensure_sandbox_user,
    free_port,
    make_sandbox_dir,
    remove_sandbox_dir,
    spawn_process,
)
from labs.spec import LabSpec

REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"

DEFAULT_MAXMEMORY = "32mb"
DEFAULT_POLICY = "noeviction"  # learners should *see* the OOM error rather than lose keys silently
MEMORY_POLICIES = frozenset(
    {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random",
     "volatile-ttl"}
)  # fmt: skip
DEFAULT_SHARDS = 3
MAX_SHARDS = 8
# Settings a lab may let the learner change with CONFIG SET/GET (engine_options.learner_config):
# persistence and eviction only, never a path, a port or a limit the sandbox relies on.
LEARNER_SETTINGS = frozenset(
    {"appendonly", "appendfsync", "save", "maxmemory-policy", "maxmemory-samples", "aof-use-rdb-preamble"}
)

FORM_TIMEOUT = 10.0  # seconds for a cluster to reach cluster_state:ok

TOTAL_SLOTS = 16384
# Fast gossip while forming, then a calm timeout so a learner's slow script on one shard
# does not make the others mark it as failed mid-attempt.
FORMING_NODE_TIMEOUT_MS = 100
RUNNING_NODE_TIMEOUT_MS = 15000

# Renamed to "" on every server: neither the learner nor the grader needs them, and each
# touches the filesystem, another server or the process itself.
REMOVED_COMMANDS = (
    "DEBUG", "MODULE", "SHUTDOWN", "SAVE", "BGSAVE", "BGREWRITEAOF", "REPLICAOF", "SLAVEOF",
    "SYNC", "PSYNC", "FAILOVER", "MIGRATE", "MONITOR", "ACL",
)  # fmt: skip
# Renamed to a secret per attempt: the grader still needs them.
SECRET_COMMANDS = ("CONFIG",)

# The learner's ACL: everything but administration and the "dangerous" category, then a
# few dangerous-labelled commands given back because they only affect the learner's own
# private server and are part of the course (KEYS vs SCAN, FLUSHDB, INFO memory).
LEARNER_ACL = "on ~* &* +@all -@admin -@dangerous +info +keys +flushdb +flushall +sort +sort_ro"

# --------------------------------------------------------------------------- servers


def parse_memory(value: str | int) -> int:
    """Redis memory units: 1k = 1000, 1kb = 1024, and so on; a bare number is bytes."""
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"gb": 1 << 30, "mb": 1 << 20, "kb": 1 << 10, "g": 10**9, "m": 10**6, "k": 10**3, "b": 1}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


@dataclass(frozen=True)
class RedisOptions:
    maxmemory: int = parse_memory(DEFAULT_MAXMEMORY)
    policy: str = DEFAULT_POLICY
    shards: int = DEFAULT_SHARDS
    learner_config: frozenset[str] = frozenset()  # settings the learner may CONFIG SET/GET

    @classmethod
    def from_spec(cls, spec: LabSpec) -> RedisOptions:
        options = spec.engine_options
        try:
            maxmemory = parse_memory(options.get("maxmemory", DEFAULT_MAXMEMORY))
        except ValueError:
            raise SandboxError(f"{spec.root}/lab.toml: engine_options.maxmemory: not a size like 32mb") from None
        shards = int(options.get("shards", DEFAULT_SHARDS))
        policy = str(options.get("maxmemory_policy", DEFAULT_POLICY))
        if policy not in MEMORY_POLICIES:
            raise SandboxError(
                f"{spec.root}/lab.toml: engine_options.maxmemory_policy: {policy!r} is not one of "
                + ", ".join(sorted(MEMORY_POLICIES))
            )
        if not 1 <= maxmemory <= 1 << 30:
            raise SandboxError(f"{spec.root}/lab.toml: engine_options.maxmemory: must be between 1 byte and 1gb")
        if not 2 <= shards <= MAX_SHARDS:
            raise SandboxError(f"{spec.root}/lab.toml: engine_options.shards: must be between 2 and {MAX_SHARDS}")
        learner_config = options.get("learner_config", [])
        if not isinstance(learner_config, list) or not set(map(str, learner_config)) <= LEARNER_SETTINGS:
            raise SandboxError(
                f"{spec.root}/lab.toml: engine_options.learner_config: must be a list drawn from "
                + ", ".join(sorted(LEARNER_SETTINGS))
            )
        return cls(
            maxmemory=maxmemory,
            policy=policy,
            shards=shards,
            learner_config=frozenset(str(name).lower() for name in learner_config),
        )


@dataclass
class RedisNode:
    index: int
    port: int
    bus_port: int | None
    process: subprocess.Popen
    path: Path
    slots: tuple[int, int] | None = None

    @property
    def socket_path(self) -> Path:
        """The grader's way in: the server's network namespace is the box's, not ours."""
        return self.path / "redis.sock"


@dataclass
class RedisDeployment:
    """One standalone server or one cluster: processes, passwords, secret command names.

    Built by ``start_deployment``; ``stop`` kills every process and removes the directory.
    """

    topology: str
    sandbox: SandboxDir
    nodes: list[RedisNode]
    admin_password: str
    learner_password: str
    secret_names: dict[str, str]
    options: RedisOptions
    _admin: dict[int, RespConnection] = field(default_factory=dict)
    _keys_cache: dict[tuple[bytes, ...], list[bytes]] = field(default_factory=dict)

    @property
    def is_cluster(self) -> bool:
        return self.topology == "cluster"

    def admin(self, node: int = 0) -> RespConnection:
        """The grader's connection to one node (cached)."""
        if node not in self._admin:
            target = self.nodes[node]
            self._admin[node] = RespConnection(target.port, self.admin_password, unix_path=target.socket_path)
        return self._admin[node]

    def connect_learner(self, node: int = 0) -> RespConnection:
        target = self.nodes[node]
        return RespConnection(target.port, self.learner_password, username="learner", unix_path=target.socket_path)

    def config(self, *args: Any, node: int = 0) -> Any:
        """CONFIG under its secret name: only the grader knows it."""
        return self.admin(node).call(self.secret_names["CONFIG"], *args)

    def node_for_slot(self, slot: int) -> int:
        if not self.is_cluster:
            return 0
        for node in self.nodes:
            if node.slots and node.slots[0] <= slot <= node.slots[1]:
                return node.index
        raise SandboxError(f"no shard owns hash slot {slot}")

    def node_for_key(self, key: bytes | str) -> int:
        return self.node_for_slot(key_slot(key.encode() if isinstance(key, str) else key))

    def keys_of(self, argv: Sequence[bytes]) -> list[bytes]:
        """The key arguments of a command, as the server itself sees them (COMMAND GETKEYS)."""
        cached = self._keys_cache.get(tuple(argv))
        if cached is not None:
            return cached
        admin = self.admin(0)
        deadline = time.monotonic() + ADMIN_TIMEOUT
        admin.send("COMMAND", "GETKEYS", *argv, deadline=deadline)
        reply = admin.read(deadline)
        keys = reply if isinstance(reply, list) else []  # an error reply: no keys (or a bad command)
        self._keys_cache[tuple(argv)] = keys
        return keys

    def keys_of_many(self, commands: Sequence[Sequence[bytes]]) -> list[list[bytes]]:
        """``keys_of`` for many commands in one round trip (seeds can have thousands of lines)."""
        admin = self.admin(0)
        deadline = time.monotonic() + ADMIN_TIMEOUT
        admin.send_many([("COMMAND", "GETKEYS", *argv) for argv in commands], deadline)
        replies = [admin.read(deadline) for _ in commands]
        return [reply if isinstance(reply, list) else [] for reply in replies]

    def pids(self) -> list[int]:
        return [node.process.pid for node in self.nodes]

    def stop(self) -> None:
        """SIGKILL every server (data is disposable: no need to wait for a clean shutdown,
        and a busy Lua script would ignore SIGTERM anyway), then remove the directory."""
        for connection in self._admin.values():
            connection.close()
        self._admin.clear()
        for node in self.nodes:
            if node.process.poll() is None:
                node.process.kill()
            try:
                node.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Our processes are reaped: forget their pids so remove_sandbox_dir never signals
        # a process that has since reused one of them.
        self.sandbox.pids.clear()
        remove_sandbox_dir(self.sandbox)


@functools.lru_cache(maxsize=1)
def redis_version() -> tuple[int, ...] | None:
    """The installed redis-server's version, or None when it is missing (asked once per process)."""
    if not os.path.exists(REDIS_SERVER):
        return None
    try:
        out = subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for part in out.split():
        if part.startswith("v="):
            return tuple(int(x) for x in part[2:].split(".") if x.isdigit())
    return None


def _write_config(
    deployment: RedisDeployment, path: Path, port: int, bus_port: int | None, overrides: dict[str, str] | None = None
) -> Path:
    options = deployment.options
    lines = [
        f"bind {HOST}",
        f"port {port}",
        f'unixsocket "{path / "redis.sock"}"',
        "unixsocketperm 700",
        "protected-mode yes",
        "daemonize no",
        f'dir "{path}"',
        f'logfile "{path / "redis.log"}"',
        'save ""',
        "appendonly no",
        f"requirepass {deployment.admin_password}",
        f"user learner >{deployment.learner_password} {LEARNER_ACL}",
        f"maxmemory {options.maxmemory}",
        f"maxmemory-policy {options.policy}",
        # SETRANGE/SETBIT/APPEND check sizes against this: cap it so one command cannot
        # allocate far beyond maxmemory (Redis admits a write that *starts* under it).
        f"proto-max-bulk-len {max(options.maxmemory, 1 << 20)}",
        "maxclients 64",
        "lua-time-limit 500",
        "enable-protected-configs no",
        "enable-debug-command no",
        "enable-module-command no",
        "latency-tracking no",
    ]
    for name, value in (overrides or {}).items():
        lines = [line for line in lines if line.split(" ", 1)[0] != name]
        lines.append(f"{name} {_config_value(value)}")
    lines += [f'rename-command {name} ""' for name in REMOVED_COMMANDS]
    lines += [f"rename-command {name} {secret}" for name, secret in deployment.secret_names.items()]
    if bus_port:
        lines += [
            "cluster-enabled yes",
            f'cluster-config-file "{path / "nodes.conf"}"',
            f"cluster-port {bus_port}",
            f"cluster-node-timeout {FORMING_NODE_TIMEOUT_MS}",
            # Without replicas a shard that stalls would take the whole cluster down.
            "cluster-require-full-coverage no",
        ]
    conf = path / "redis.conf"
    conf.write_text("\n".join(lines) + "\n")
    conf.chmod(0o600)
    return conf


def _config_value(value: str) -> str:
    """A value as redis.conf reads it: quoted when empty or holding spaces (``save ""``)."""
    if value and not any(c.isspace() or c in "\"'\\" for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _limit_process(pid: int, options: RedisOptions) -> None:
    """Address space, file size and core dumps: Lua's own heap is not bound by maxmemory."""
    address_space = (256 << 20) + 4 * options.maxmemory
    limits = {
        resource.RLIMIT_AS: address_space,
        resource.RLIMIT_FSIZE: 64 << 20,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        try:
            resource.prlimit(pid, which, (value, value))
        except (ProcessLookupError, PermissionError, ValueError):
            pass  # the process already died (reported by the caller), or limits are unsupported


def start_deployment(topology: str, options: RedisOptions) -> RedisDeployment:
    """Start the servers of one topology, ready for commands; cleans up if anything fails."""
    cluster = topology == "cluster"
    sandbox = make_sandbox_dir("redis-cluster" if cluster else "redis")
    # The top directory keeps root's owner record; the sandbox user may only traverse it.
    os.chmod(sandbox.path, 0o711)
    deployment = RedisDeployment(
        topology=topology,
        sandbox=sandbox,
        nodes=[],
        admin_password=secrets.token_urlsafe(24),
        learner_password=secrets.token_urlsafe(24),
        secret_names={name: f"{name.lower()}-{secrets.token_hex(12)}" for name in SECRET_COMMANDS},
        options=options,
    )
    try:
        ensure_sandbox_user()
        count = options.shards if cluster else 1
        for index in range(count):
            node_dir = sandbox.path / f"node{index}"
            node_dir.mkdir(mode=0o700)
            port = free_port()
            bus_port = free_port() if cluster else None
            conf = _write_config(deployment, node_dir, port, bus_port)
            chown_to_sandbox_user(node_dir)
            process = _spawn_server(deployment, conf, node_dir, port)
            deployment.nodes.append(RedisNode(index, port, bus_port, process, node_dir))
        for node in deployment.nodes:
            _wait_ready(deployment, node)
        if cluster:
            form_cluster(deployment)
        return deployment
    except BaseException:
        deployment.stop()
        raise


def _spawn_server(deployment: RedisDeployment, conf: Path, node_dir: Path, port: int) -> subprocess.Popen:
    process = spawn_process(
        [REDIS_SERVER, str(conf)],
        box=deployment.sandbox.box,
        env={"HOME": str(node_dir)},
        cwd=node_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deployment.sandbox.add_process(process.pid, port)
    _limit_process(process.pid, deployment.options)
    return process


def _wait_ready(deployment: RedisDeployment, node: RedisNode) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if node.process.poll() is not None:
            log = node.path / "redis.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise SandboxError(f"redis-server exited with code {node.process.returncode}: {' | '.join(tail)}")
        try:
            deployment.admin(node.index).call("PING")
            return
        except (SandboxError, ConnectionLost, ReplyTimeout, RedisReplyError) as exc:
            deployment._admin.pop(node.index, None)
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"redis-server on port {node.port} is not ready after {START_TIMEOUT:g}s: {exc}"
                ) from None
            time.sleep(0.005)


def form_cluster(deployment: RedisDeployment) -> None:
    """Assign contiguous slot ranges, join every pair of nodes, wait for cluster_state:ok."""
    count = len(deployment.nodes)
    for node in deployment.nodes:
        low = node.index * TOTAL_SLOTS // count
        high = (node.index + 1) * TOTAL_SLOTS // count - 1
        deployment.admin(node.index).call("CLUSTER", "ADDSLOTSRANGE", low, high)
        node.slots = (low, high)
    # A full mesh of MEETs: each pair learns the other's slots directly instead of
    # waiting for gossip to relay them, which is what makes formation fast.
    for node in deployment.nodes:
        for other in deployment.nodes[node.index + 1 :]:
            deployment.admin(node.index).call("CLUSTER", "MEET", HOST, other.port, other.bus_port)
    deadline = time.monotonic() + FORM_TIMEOUT
    pending = list(deployment.nodes)
    while pending:
        node = pending[0]
        info = deployment.admin(node.index).call("CLUSTER", "INFO")
        if b"cluster_state:ok" in info:
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise SandboxError(f"the Redis cluster did not reach cluster_state:ok within {FORM_TIMEOUT:g}s")
        time.sleep(0.005)
    for node in deployment.nodes:
        deployment.config("SET", "cluster-node-timeout", RUNNING_NODE_TIMEOUT_MS, node=node.index)


def apply_options(deployment: RedisDeployment, options: RedisOptions) -> None:
    """Give a warm cluster (built with defaults) the lab's memory settings."""
    for node in deployment.nodes:
        deployment.config("SET", "maxmemory", options.maxmemory, node=node.index)
        deployment.config("SET", "maxmemory-policy", options.policy, node=node.index)
        deployment.config("SET", "proto-max-bulk-len", max(options.maxmemory, 1 << 20), node=node.index)
        _limit_process(node.process.pid, options)
    deployment.options = options


class WarmClusters:
    """Spare clusters, formed and never used, so an attempt does not wait out Redis' 2 s
    writable delay. Each is handed to exactly one attempt and then destroyed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: dict[int, list[RedisDeployment]] = {}
        self._building: dict[int, int] = {}
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def target(self) -> int:
        return max(0, int(os.environ.get("INDEXED_REDIS_WARM_CLUSTERS", "1")))

    def take(self, shards: int) -> RedisDeployment | None:
        with self._lock:
            while self._ready.get(shards):
                deployment = self._ready[shards].pop(0)
                if all(node.process.poll() is None for node in deployment.nodes):
                    return deployment
                threading.Thread(target=deployment.stop, daemon=True).start()
        return None

    def refill(self, shards: int) -> None:
        """Start building spares in the background up to the target count."""
        with self._lock:
            if self._closed:
                return
            missing = self.target - len(self._ready.get(shards, [])) - self._building.get(shards, 0)
            for _ in range(missing):
                self._building[shards] = self._building.get(shards, 0) + 1
                thread = threading.Thread(target=self._build, args=(shards,), daemon=True, name="warm-redis-cluster")
                self._threads.append(thread)
                thread.start()

    def wait_ready(self, shards: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._ready.get(shards):
                    return True
            time.sleep(0.02)
        return False

    def _build(self, shards: int) -> None:
        deployment = None
        try:
            deployment = start_deployment("cluster", RedisOptions(shards=shards))
        except Exception:  # a spare that fails to start only costs the next attempt a cold start
            deployment = None
        finally:
            with self._lock:
                self._building[shards] -= 1
                if deployment is not None and not self._closed:
                    self._ready.setdefault(shards, []).append(deployment)
                    deployment = None
        if deployment is not None:  # closed while building
            deployment.stop()

    def shutdown(self) -> None:
        """Stop every spare and wait for builders; called at exit and by test teardown."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=FORM_TIMEOUT + START_TIMEOUT)
        with self._lock:
            spares = [d for group in self._ready.values() for d in group]
            self._ready.clear()
        for deployment in spares:
            deployment.stop()
        with self._lock:
            self._closed = False


WARM_CLUSTERS = WarmClusters()
atexit.register(WARM_CLUSTERS.shutdown)


@contextmanager
def deploy(topology: str, options: RedisOptions) -> Iterator[RedisDeployment]:
    """Servers for one run, torn down on every exit path."""
    deployment = None
    if topology == "cluster" and WARM_CLUSTERS.target:
        deployment = WARM_CLUSTERS.take(options.shards)
        if deployment is not None:
            try:
                apply_options(deployment, options)
            except BaseException:
                deployment.stop()
                raise
        WARM_CLUSTERS.refill(options.shards)
    if deployment is None:
        deployment = start_deployment(topology, options)
    try:
        yield deployment
    finally:
        deployment.stop()
