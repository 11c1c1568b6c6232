"""The failover drill: a write load through HAProxy, the leader killed, recovery measured.

The platform's own client writes numbered rows through HAProxy, one autocommit INSERT per
connection, and records every write whose COMMIT came back (an *acknowledged* write: the promise a
database makes to an application). Then, under adverse but realistic timing:

1. the leader's WAL senders are paused (SIGSTOP) for at least a second: the replicas stop
   receiving, as over a congested network. An asynchronous leader goes on acknowledging
   commits the replicas never saw; a synchronous one makes them wait;
2. the platform waits until the leader has just renewed its leader key in etcd, so the key
   lives a full ``ttl`` after the failure (the worst case, not a lucky one);
3. the leader's node dies: SIGKILL to its Patroni agent and its PostgreSQL at once.

The load goes on, reconnecting through HAProxy after every error, until writes have flowed
again for ``STABLE_SECONDS`` or the watch window ends. Then the new leader is read: every
acknowledged id that is missing from it is a lost write.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from labs.engines.patroni.cluster import SCOPE, SUPERUSER, PatroniCluster
from labs.sandbox.base import SandboxError

TABLE = "indexed_drill_writes"
STEADY_SECONDS = 1.5  # load before anything breaks: the cluster must take every write
MIN_PAUSE_SECONDS = 1.0  # how long the leader's WAL senders are held, at least
STABLE_SECONDS = 2.0  # writes must flow this long, without an error, to count as recovered
WRITE_TIMEOUT = 2.0  # a write that hangs longer is cut off by the client, as an application would
WRITE_INTERVAL = 0.01


@dataclass
class Write:
    id: int
    started: float
    ended: float
    ok: bool
    error: str = ""


@dataclass
class DrillReport:
    """What the platform observed; the checks judge it."""

    roles_before: dict[str, dict[str, Any]] = field(default_factory=dict)
    old_leader: str | None = None
    new_leader: str | None = None
    killed_at: float | None = None
    steady: list[Write] = field(default_factory=list)
    after: list[Write] = field(default_factory=list)
    recovery_seconds: float | None = None
    watched_seconds: float = 0.0
    acknowledged: set[int] = field(default_factory=set)
    lost: list[int] | None = None  # None: no leader to read them from
    roles_after: dict[str, dict[str, Any]] = field(default_factory=dict)
    paused_seconds: float = 0.0
    lease_age_at_kill: float | None = None

    def errors_after(self, limit: int = 3) -> list[str]:
        seen: list[str] = []
        for write in self.after:
            if not write.ok and write.error not in seen:
                seen.append(write.error)
        return seen[:limit]


class WriteLoad(threading.Thread):
    """One client writing through HAProxy, one connection per write (as short web requests
    do), so every write is routed afresh and a member HAProxy wrongly keeps up shows."""

    def __init__(self, cluster: PatroniCluster):
        super().__init__(name="patroni-write-load", daemon=True)
        self.cluster = cluster
        self.writes: list[Write] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.next_id = 0
        self.current: psycopg.Connection | None = None
        self.current_since: float | None = None

    def run(self) -> None:
        # setns() is per thread: the whole client lives in the box's namespace.
        with self.cluster.network():
            conn: psycopg.Connection | None = None
            while not self.stop.is_set():
                self.next_id += 1
                started = time.monotonic()
                try:
                    if conn is None:
                        conn = psycopg.connect(host="127.0.0.1", port=self.cluster.haproxy_port, user=SUPERUSER,
                                               dbname="postgres", autocommit=True, connect_timeout=1)
                    with self.lock:
                        self.current, self.current_since = conn, time.monotonic()
                    conn.execute(f"INSERT INTO {TABLE} (id) VALUES (%s)", (self.next_id,))
                    write = Write(self.next_id, started, time.monotonic(), True)
                    conn.close()
                    conn = None
                except (psycopg.Error, OSError) as exc:
                    write = Write(self.next_id, started, time.monotonic(), False, _first_line(exc))
                    with contextlib.suppress(Exception):
                        if conn is not None:
                            conn.close()
                    conn = None
                finally:
                    with self.lock:
                        self.current, self.current_since = None, None
                self.writes.append(write)
                time.sleep(WRITE_INTERVAL if write.ok else 0.05)
            if conn is not None:
                conn.close()

    def cut_hung_write(self) -> None:
        """Cut the connection under a write that waits longer than WRITE_TIMEOUT (a commit that
        waits for a synchronous standby that is gone): the client gives up, as an application
        with a timeout does, and the write counts as not acknowledged. A query cancel would not
        do: PostgreSQL then reports the commit as done, with a warning."""
        with self.lock:
            conn, since = self.current, self.current_since
            if conn is None or since is None or time.monotonic() - since < WRITE_TIMEOUT:
                return
            with contextlib.suppress(OSError, psycopg.Error):
                sock = socket.socket(fileno=os.dup(conn.fileno()))
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                finally:
                    sock.close()

    def since(self, index: int) -> list[Write]:
        return list(self.writes[index:])


def prepare(cluster: PatroniCluster, leader: str) -> None:
    """The drill's table, created on the leader itself (HAProxy may route elsewhere: that is
    for the checks to judge) before the load starts."""
    with cluster.connect_member(cluster.member(leader)) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigint PRIMARY KEY, at timestamptz DEFAULT now())")


def run_drill(cluster: PatroniCluster, watch_seconds: float, deadline: float) -> DrillReport:
    """Run the drill once; SandboxError only for our own failures (a cluster that never got healthy)."""
    report = DrillReport(roles_before=cluster.roles())
    report.old_leader = cluster.leader()
    if report.old_leader is None:
        raise SandboxError("the Patroni cluster had no leader when the drill was to start")
    prepare(cluster, report.old_leader)
    load = WriteLoad(cluster)
    load.start()
    try:
        _sleep_watching(load, STEADY_SECONDS)
        report.steady = load.since(0)
        mark = len(load.writes)
        paused = cluster.walsenders(report.old_leader)
        for pid in paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        pause_started = time.monotonic()
        _sleep_watching(load, MIN_PAUSE_SECONDS)
        report.lease_age_at_kill = _wait_for_lease_renewal(cluster, load, min(deadline, time.monotonic() + 15))
        report.paused_seconds = round(time.monotonic() - pause_started, 2) if paused else 0.0
        cluster.kill_member(report.old_leader)
        report.killed_at = killed = time.monotonic()
        window_end = min(killed + watch_seconds, deadline)
        while time.monotonic() < window_end:
            _sleep_watching(load, 0.1)
            recovered = _recovered_at(load.since(mark), killed)
            if recovered is not None and time.monotonic() - recovered >= STABLE_SECONDS:
                break
        report.watched_seconds = round(time.monotonic() - killed, 2)
    finally:
        load.stop.set()
        load.cut_hung_write()
        load.join(timeout=WRITE_TIMEOUT + 2)
    report.after = load.since(mark)
    recovered = _recovered_at(report.after, killed)
    if recovered is not None:
        report.recovery_seconds = round(max(0.0, recovered - killed), 2)
    report.acknowledged = {w.id for w in load.writes if w.ok}
    report.roles_after = cluster.roles()
    report.new_leader = cluster.leader()
    report.lost = _lost_writes(cluster, report)
    return report


def _sleep_watching(load: WriteLoad, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        load.cut_hung_write()
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))


def _recovered_at(writes: list[Write], killed: float) -> float | None:
    """When the last unbroken run of successful writes after the kill began (its first
    acknowledgement), or None while the latest write failed."""
    if not writes or not writes[-1].ok:
        return None
    start = None
    for write in reversed(writes):
        if not write.ok:
            break
        start = write
    if start is None or start.started < killed:
        # no failure since the kill: writes never stopped (a leader that was not really gone)
        return killed if start is not None else None
    return start.ended


def _wait_for_lease_renewal(cluster: PatroniCluster, load: WriteLoad, until: float) -> float | None:
    """Wait until the leader key's lease was renewed less than a second ago (the worst moment
    for a failure: the key then outlives the leader by nearly a whole ``ttl``). Returns the
    lease's age in seconds when the wait ended, None when etcd could not be asked."""
    last_ttl = None
    while time.monotonic() < until:
        lease = _leader_lease(cluster)
        if lease is None:
            return None
        remaining, granted = lease
        # renewed just now: remaining jumps back up to the granted TTL
        if remaining >= granted - 1 and (last_ttl is None or remaining > last_ttl or granted <= 2):
            return float(granted - remaining)
        last_ttl = remaining
        _sleep_watching(load, 0.1)
    return None


def _leader_lease(cluster: PatroniCluster) -> tuple[int, int] | None:
    key = base64.b64encode(f"/service/{SCOPE}/leader".encode()).decode()
    with contextlib.suppress(OSError, ValueError, KeyError, IndexError, TypeError):
        found = cluster._http("POST", cluster.etcd_port, "/v3/kv/range", {"key": key})
        lease = found["kvs"][0]["lease"]
        alive = cluster._http("POST", cluster.etcd_port, "/v3/lease/timetolive", {"ID": lease})
        return int(alive["TTL"]), int(alive["grantedTTL"])
    return None


def _lost_writes(cluster: PatroniCluster, report: DrillReport) -> list[int] | None:
    if report.new_leader is None:
        return None
    try:
        with cluster.connect_member(cluster.member(report.new_leader)) as conn:
            present = {row[0] for row in conn.execute(f"SELECT id FROM {TABLE}")}
    except psycopg.errors.UndefinedTable:
        present = set()  # the leader never received even the table: every write is lost
    except psycopg.Error:
        return None
    return sorted(report.acknowledged - present)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
