"""A three-member Patroni cluster with one etcd member, behind HAProxy, in one box.

Every process is a ``ServerProcess`` of the sandbox core: etcd, three ``patroni`` agents (each
starts and supervises its own PostgreSQL, initdb for the first leader and ``pg_basebackup``
for the replicas, as Patroni does in production) and HAProxy, all on 127.0.0.1 inside the
box's own network namespace. The grader reaches them from its own threads with
``Box.network()``: Patroni's REST API over HTTP, PostgreSQL and HAProxy over TCP.

Authentication is ``trust`` on 127.0.0.1: the namespace holds only this cluster and the
grader, and the learner's answer is a configuration, never a client.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from labs.engines.patroni.config import HAPROXY_DEFAULTS, FailoverConfig
from labs.sandbox.base import SandboxDir, SandboxError, free_port
from labs.sandbox.process import ServerProcess, make_home, probe_tcp

PG_BIN = Path(os.environ.get("INDEXED_PG_BIN", "/usr/lib/postgresql/15/bin"))
PATRONI = Path(os.environ.get("INDEXED_PATRONI", "/usr/bin/patroni"))
ETCD = Path(os.environ.get("INDEXED_ETCD", "/usr/bin/etcd"))
HAPROXY = Path(os.environ.get("INDEXED_HAPROXY", "/usr/sbin/haproxy"))
SCOPE = "indexed"
MEMBERS = ("m1", "m2", "m3")
SUPERUSER = "postgres"
# Small servers: three PostgreSQL instances and their WAL share one box's memory and tmpfs.
PG_PARAMETERS = {
    "shared_buffers": "16MB",
    "max_connections": 40,
    "max_wal_size": "64MB",
    "min_wal_size": "32MB",
    "wal_keep_size": "64MB",
    "fsync": "off",  # tmpfs: nothing to flush, and a SIGKILL of a process never loses the page cache
    "logging_collector": "off",
    # a replica whose first attempt found no slot retries after this, not after the default 5 s
    "wal_retrieve_retry_interval": "200ms",
}


@dataclass
class Member:
    name: str
    home: Path
    pg_port: int
    api_port: int
    server: ServerProcess | None = None

    @property
    def data_dir(self) -> Path:
        return self.home / "data"


@dataclass
class PatroniCluster:
    """The servers of one attempt. ``start()`` boots them, ``close()`` stops every one."""

    sandbox: SandboxDir
    config: FailoverConfig
    members: list[Member] = field(default_factory=list)
    etcd: ServerProcess | None = None
    haproxy: ServerProcess | None = None
    etcd_port: int = 0
    haproxy_port: int = 0

    # -- start

    def start(self, timeout: float) -> None:
        """etcd, then the three agents at once (the first to take the initialize key runs initdb,
        the others wait for it and clone it), then HAProxy; returns once a leader and two
        streaming replicas are seen. SandboxError when that does not happen by ``timeout``."""
        deadline = time.monotonic() + timeout
        self._start_etcd(deadline)
        for name in MEMBERS:
            member = Member(name, make_home(self.sandbox, name), free_port(), free_port())
            self.members.append(member)
        # initdb by the first member before the others even look at the DCS: the replicas then
        # clone it at once instead of polling for a leader that is still being initialised.
        first, *others = self.members
        self._spawn_member(first)
        first.server.wait_ready(max(1.0, deadline - time.monotonic()))
        self._wait(lambda: self.leader() == first.name, deadline, "the first member to become leader")
        for member in others:
            self._spawn_member(member)
        self._start_haproxy(deadline)
        self._wait(self._healthy, deadline, "a leader with two streaming replicas")
        # Give HAProxy's checks time to mark the leader up (rise × inter), but do not insist:
        # a check endpoint that never routes to the leader is the answer's mistake, and the
        # serves_writes check reports it.
        settings = {**HAPROXY_DEFAULTS, **self.config.haproxy}
        settle = min(deadline, time.monotonic() + settings["rise"] * settings["inter"] / 1000 + 2)
        while time.monotonic() < settle and not self.writes_through_haproxy():
            time.sleep(0.1)

    def _start_etcd(self, deadline: float) -> None:
        home = make_home(self.sandbox, "etcd")
        self.etcd_port, peer = free_port(), free_port()
        argv = [
            str(ETCD), "--name", "e1", "--data-dir", str(home / "data"),
            "--listen-client-urls", f"http://127.0.0.1:{self.etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{self.etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"e1=http://127.0.0.1:{peer}",
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--quota-backend-bytes", str(64 << 20), "--log-level", "warn",
        ]
        self.etcd = ServerProcess("etcd", self.sandbox, argv, home, probe_tcp(self.etcd_port), port=self.etcd_port)
        self.etcd.start(max(1.0, deadline - time.monotonic()))
        self._wait(lambda: self._http("GET", self.etcd_port, "/health").get("health") == "true", deadline, "etcd")

    def _spawn_member(self, member: Member) -> None:
        config_path = member.home / "patroni.yml"
        # JSON is YAML: Patroni reads it with yaml.safe_load, and json.dumps quotes every value.
        config_path.write_text(json.dumps(self._member_config(member), indent=1))
        os.chown(config_path, *self._owner(member.home))
        argv = [str(PATRONI), str(config_path)]
        member.server = ServerProcess(
            member.name, self.sandbox, argv, member.home, probe_tcp(member.api_port), port=member.api_port
        )
        member.server.spawn()

    def _member_config(self, member: Member) -> dict[str, Any]:
        dcs: dict[str, Any] = {**self.config.dcs}
        postgresql: dict[str, Any] = {"use_slots": True, **self.config.pg_flags}
        if self.config.pg_parameters:
            postgresql["parameters"] = dict(self.config.pg_parameters)
        dcs["postgresql"] = postgresql
        return {
            "scope": SCOPE,
            "name": member.name,
            "log": {"level": "INFO"},
            "restapi": {"listen": f"127.0.0.1:{member.api_port}", "connect_address": f"127.0.0.1:{member.api_port}"},
            "etcd3": {"hosts": f"127.0.0.1:{self.etcd_port}"},
            "bootstrap": {
                "dcs": dcs,
                "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}, "no-sync"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{member.pg_port}",
                "connect_address": f"127.0.0.1:{member.pg_port}",
                "data_dir": str(member.data_dir),
                "bin_dir": str(PG_BIN),
                "pgpass": str(member.home / "pgpass"),
                "authentication": {
                    "superuser": {"username": SUPERUSER},
                    "replication": {"username": "replicator"},
                    "rewind": {"username": SUPERUSER},
                },
                "parameters": {**PG_PARAMETERS, "unix_socket_directories": str(member.home)},
                "pg_hba": [
                    "local all all trust",
                    "host all all 127.0.0.1/32 trust",
                    "host replication all 127.0.0.1/32 trust",
                ],
                "basebackup": [{"checkpoint": "fast"}],
            },
            "watchdog": {"mode": "off"},
        }

    def _start_haproxy(self, deadline: float) -> None:
        home = make_home(self.sandbox, "haproxy")
        self.haproxy_port = free_port()
        config = home / "haproxy.cfg"
        config.write_text(haproxy_config(self.config, self.haproxy_port, self.members))
        os.chown(config, *self._owner(home))
        argv = [str(HAPROXY), "-db", "-f", str(config)]
        self.haproxy = ServerProcess("haproxy", self.sandbox, argv, home, probe_tcp(self.haproxy_port),
                                     port=self.haproxy_port)
        self.haproxy.start(max(1.0, deadline - time.monotonic()))

    @staticmethod
    def _owner(path: Path) -> tuple[int, int]:
        stat = path.stat()
        return stat.st_uid, stat.st_gid

    # -- what the grader reads

    def _http(self, method: str, port: int, path: str, body: dict | None = None, timeout: float = 1.0) -> Any:
        """One HTTP call inside the box; the parsed JSON (or {} on an error status with no body)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.network():
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    raw = response.read()
            except urllib.error.HTTPError as exc:
                raw = exc.read()
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def network(self) -> contextlib.AbstractContextManager[None]:
        box = self.sandbox.box
        return box.network() if box is not None else contextlib.nullcontext()

    def cluster_view(self) -> dict[str, Any]:
        """Patroni's /cluster from any member that answers, else {}."""
        for member in self.members:
            if member.server is None or not member.server.alive():
                continue
            with contextlib.suppress(OSError, ValueError):
                view = self._http("GET", member.api_port, "/cluster")
                if view.get("members"):
                    return view
        return {}

    def roles(self) -> dict[str, dict[str, Any]]:
        return {m["name"]: m for m in self.cluster_view().get("members", [])}

    def leader(self) -> str | None:
        return next((name for name, m in self.roles().items() if m.get("role") == "leader"
                     and m.get("state") == "running"), None)

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)

    def _healthy(self) -> bool:
        roles = self.roles()
        leaders = [m for m in roles.values() if m.get("role") == "leader" and m.get("state") == "running"]
        streaming = [m for m in roles.values() if m.get("role") in ("replica", "sync_standby")
                     and m.get("state") in ("streaming", "running")]
        if len(leaders) != 1 or len(streaming) != 2:
            return False
        if self.config.setting("synchronous_mode") and not any(m.get("role") == "sync_standby" for m in roles.values()):
            return False
        # Patroni says "running" before a replica streams (its slot may not exist yet): ask the
        # leader's own view, or the drill would start against replicas that receive nothing.
        with self.connect_member(self.member(leaders[0]["name"]), timeout=1) as conn:
            streams = conn.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()[0]
        return streams >= 2

    def writes_through_haproxy(self) -> bool:
        with contextlib.suppress(psycopg.Error, OSError), self.connect_haproxy(timeout=1) as conn:
            return conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()[0]
        return False

    @contextlib.contextmanager
    def connect_haproxy(self, timeout: float = 2.0) -> Iterator[psycopg.Connection]:
        with self.network():
            conn = psycopg.connect(host="127.0.0.1", port=self.haproxy_port, user=SUPERUSER, dbname="postgres",
                                   autocommit=True, connect_timeout=max(1, int(timeout)))
        try:
            yield conn
        finally:
            conn.close()

    def connect_member(self, member: Member, timeout: float = 2.0) -> psycopg.Connection:
        """A direct connection to one member's PostgreSQL (over its Unix socket: no namespace needed)."""
        return psycopg.connect(host=str(member.home), port=member.pg_port, user=SUPERUSER, dbname="postgres",
                               autocommit=True, connect_timeout=max(1, int(timeout)))

    # -- breaking it

    def kill_member(self, name: str) -> list[int]:
        """SIGKILL a member's agent and every process under it (its PostgreSQL), as a node that
        loses power: no shutdown checkpoint, no leader key released. Returns the pids killed."""
        member = self.member(name)
        if member.server is None or not member.server.alive():
            return []
        pids = member_pids(member)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        member.server.kill()
        return pids

    def walsenders(self, name: str) -> list[int]:
        """The wal sender processes of member ``name``'s PostgreSQL (one per streaming replica)."""
        postmaster = postmaster_pid(self.member(name))
        if postmaster is None:
            return []
        return [pid for pid in descendants(postmaster) if "walsender" in _cmdline(pid)]

    # -- stop

    def close(self) -> None:
        """Stop HAProxy, the agents (fast: SIGKILL, their data is thrown away) and etcd."""
        if self.haproxy is not None:
            self.haproxy.kill()
        for member in self.members:
            for pid in member_pids(member):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if member.server is not None:
                member.server.kill()
        if self.etcd is not None:
            self.etcd.kill()

    def _wait(self, condition: Any, deadline: float, what: str) -> None:
        while True:
            with contextlib.suppress(OSError, ValueError, psycopg.Error):
                if condition():
                    return
            for member in self.members:
                if member.server is not None and member.server.process is not None and not member.server.alive():
                    raise SandboxError(f"Patroni member {member.name} exited: {member.server.log_tail(8)}")
            if time.monotonic() >= deadline:
                tails = " / ".join(f"{m.name}: {m.server.log_tail(4)}" for m in self.members if m.server)
                raise SandboxError(f"the Patroni cluster did not reach {what} in time: {tails}")
            time.sleep(0.1)


def haproxy_config(config: FailoverConfig, port: int, members: list[Member]) -> str:
    """HAProxy in TCP mode in front of every member, each checked over HTTP on its REST port."""
    settings = {**HAPROXY_DEFAULTS, **config.haproxy}
    server_opts = [f"inter {settings['inter']}ms", f"fall {settings['fall']}", f"rise {settings['rise']}"]
    for name in ("fastinter", "downinter"):
        if name in settings:
            server_opts.append(f"{name} {settings[name]}ms")
    if settings.get("on_marked_down"):
        server_opts.append("on-marked-down shutdown-sessions")
    servers = "\n".join(
        f"    server {m.name} 127.0.0.1:{m.pg_port} maxconn 30 check port {m.api_port}" for m in members
    )
    return f"""global
    maxconn 200

defaults
    mode tcp
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout check 1s

listen primary
    bind 127.0.0.1:{port}
    option httpchk GET {config.check_path}
    http-check expect status 200
    default-server {' '.join(server_opts)}
{servers}
"""


def postmaster_pid(member: Member) -> int | None:
    """The member's postmaster, from its postmaster.pid: Patroni starts PostgreSQL through a
    helper that exits, so the postmaster is not a descendant of the agent."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((member.data_dir / "postmaster.pid").read_text().split()[0])
        if "postgres" in _cmdline(pid):
            return pid
    return None


def member_pids(member: Member) -> list[int]:
    """The agent, its children, the postmaster and its backends: everything one node runs."""
    pids: list[int] = []
    if member.server is not None and member.server.alive():
        pids += [member.server.pid, *descendants(member.server.pid)]
    postmaster = postmaster_pid(member)
    if postmaster is not None:
        pids += [postmaster, *descendants(postmaster)]
    return list(dict.fromkeys(pids))


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren ...), read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
