"""Three ``mariadbd`` wsrep nodes (Debian's ``galera-4`` provider) in one box.

Every node is a MariaDB server from the engine's template (``labs.engines.mariadb.server``)
with the wsrep options added; all three listen on the box's own loopback (SQL on 3306-3308,
group communication on 4567/4577/4587, IST and SST ports next to it), so the ports are the
attempt's alone. The group-communication timeouts are shortened (a crashed peer is suspected
after 3 s rather than 5 s) so a grade sees a lost quorum within seconds.

Forming a cluster from scratch costs ~10 s here: node1 bootstraps, node2 and node3 each get a
full state transfer through ``wsrep_sst_rsync`` (a shell script with fixed sleeps). So that is
done once per machine (``cluster_template()``): the three nodes are then SIGKILLed together,
which leaves each a ``gvwstate.dat`` naming the same primary component, and their data
directories are kept, sealed, as the template. An attempt copies the three and starts them at
once; Galera's ``pc.recovery`` re-forms the primary component from those files, all nodes at
the same position, with no state transfer (~3 s).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from labs.engines.mariadb.server import MariaServer, prepare_server, seal
from labs.engines.mariadb.server import template as mariadb_template
from labs.sandbox import base
from labs.sandbox.base import SandboxError
from labs.sandbox.box import Limits

PROVIDER = Path(os.environ.get("INDEXED_GALERA_PROVIDER", "/usr/lib/galera/libgalera_smm.so"))
SST_SCRIPT = Path("/usr/bin/wsrep_sst_rsync")
NODES = ("node1", "node2", "node3")
SQL_PORTS = {"node1": 3306, "node2": 3307, "node3": 3308}
GCOMM_PORTS = {"node1": 4567, "node2": 4577, "node3": 4587}
CLUSTER_ADDRESS = "gcomm://" + ",".join(f"127.0.0.1:{p}" for p in GCOMM_PORTS.values())
SYNC_TIMEOUT = 60.0
# Three servers, rsync and the SST scripts: more memory and processes than one server's box.
LIMITS = {"memory_bytes": 1536 << 20, "pids": 400}


def find_missing() -> str | None:
    if not PROVIDER.exists():
        return f"{PROVIDER} is not installed (Debian package galera-4)"
    if not SST_SCRIPT.exists():
        return f"{SST_SCRIPT} is not installed (Debian package mariadb-server)"
    return None


def node_options(name: str, bootstrap: bool) -> tuple[str, ...]:
    gport = GCOMM_PORTS[name]
    provider_options = ";".join(
        [
            f"gmcast.listen_addr=tcp://127.0.0.1:{gport}",
            f"ist.recv_addr=127.0.0.1:{gport + 1}",
            "gcache.size=16M",
            "evs.suspect_timeout=PT3S",
            "evs.inactive_timeout=PT6S",
            "evs.install_timeout=PT6S",
        ]
    )
    options = [
        "--wsrep-on=ON",
        f"--wsrep-provider={PROVIDER}",
        f"--wsrep-cluster-address={CLUSTER_ADDRESS}",
        "--wsrep-cluster-name=lab",
        f"--wsrep-node-address=127.0.0.1:{gport}",
        f"--wsrep-node-name={name}",
        f"--wsrep-provider-options={provider_options}",
        f"--wsrep-sst-receive-address=127.0.0.1:{gport + 2}",
        "--wsrep-sst-method=rsync",
        # The application retries, not the server: an autocommit statement that loses
        # certification fails instead of being silently re-run once.
        "--wsrep-retry-autocommit=0",
        "--binlog-format=ROW",
        "--innodb-autoinc-lock-mode=2",
        # Killed nodes must not lose the last second of commits (see the replication topology).
        "--innodb-flush-log-at-trx-commit=2",
        f"--server-id={NODES.index(name) + 1}",
    ]
    if bootstrap:
        options.append("--wsrep-new-cluster")
    return tuple(options)


@dataclass(eq=False)
class GaleraCluster:
    sandbox: base.SandboxDir
    nodes: dict[str, MariaServer] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stopped: bool = False

    def status(self, name: str) -> dict[str, str]:
        rows = self.nodes[name].execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
        return {str(k): str(v) for k, v in rows}

    def wait_synced(self, names: tuple[str, ...], timeout: float) -> None:
        until = time.monotonic() + timeout
        while True:
            states = {}
            for name in names:
                if not self.nodes[name].alive():
                    raise SandboxError(f"galera {name} exited: {self.nodes[name].process.log_tail(6)}")
                try:
                    states[name] = self.status(name).get("wsrep_local_state_comment", "?")
                except pymysql.MySQLError:
                    states[name] = "not accepting connections"
            if all(s == "Synced" for s in states.values()):
                return
            if time.monotonic() >= until:
                raise SandboxError(f"the Galera nodes did not sync within {timeout:g} s: {states}")
            time.sleep(0.1)

    def kill(self, name: str) -> None:
        self.nodes[name].process.kill()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        for server in self.nodes.values():
            with contextlib.suppress(Exception):
                server.process.stop(grace=5.0)
        base.remove_sandbox_dir(self.sandbox)


def cluster_template() -> Path:
    """The sealed data directories of a crashed, fully synced three-node cluster (built once)."""
    tpl = mariadb_template()
    options = [node_options(name, bootstrap=False) for name in NODES]
    provider = PROVIDER.stat()  # a new galera-4 package gets a template of its own
    identity = [tpl.path.name, str(PROVIDER), provider.st_size, int(provider.st_mtime), options, 2]
    key = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:12]
    root = tpl.path.parent
    final = root / f"galera-{key}"
    if not (final / "READY").exists():
        with open(root / f"{final.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (final / "READY").exists():
                shutil.rmtree(final, ignore_errors=True)
                build = root / f".build-{final.name}-{os.getpid()}"
                shutil.rmtree(build, ignore_errors=True)
                try:
                    _build_template(build)
                    build.rename(final)
                finally:
                    shutil.rmtree(build, ignore_errors=True)
    seal(final)
    return final


def _build_template(build: Path) -> None:
    cluster = form_cluster()
    try:
        for server in cluster.nodes.values():  # all at once: each keeps the 3-node view on disk
            server.process.send_signal(signal.SIGKILL)
        for server in cluster.nodes.values():
            server.process.kill()
        build.mkdir(mode=0o700)
        for name, server in cluster.nodes.items():
            data = server.process.home / "data"
            if not (data / "gvwstate.dat").exists():
                raise SandboxError(f"galera {name} left no gvwstate.dat: pc.recovery could not re-form the cluster")
            shutil.copytree(data, build / name, copy_function=shutil.copyfile)
            # Recreated at start: the temporary tablespace, and the write-set cache (no node
            # needs an IST from it: all three restart at the same position).
            for leftover in ("mariadbd.pid", "ibtmp1", "galera.cache"):
                (build / name / leftover).unlink(missing_ok=True)
        (build / "READY").write_text(json.dumps({"built": time.time(), "timings": cluster.timings}))
    finally:
        cluster.stop()


def start_cluster() -> GaleraCluster:
    """Three synced nodes from the template; on any failure every node and the box are gone."""
    started = time.monotonic()
    template = cluster_template()
    sandbox = base.make_sandbox_dir("galera", limits=Limits.from_env(**LIMITS))
    cluster = GaleraCluster(sandbox)
    try:
        _require_box(sandbox)
        for name in NODES:
            server = prepare_server(sandbox, name, port=SQL_PORTS[name], options=node_options(name, bootstrap=False))
            data = server.process.home / "data"
            shutil.rmtree(data)
            shutil.copytree(template / name, data, copy_function=shutil.copyfile)
            base.chown_to_sandbox_user(data)
            cluster.nodes[name] = server
        cluster.timings["copied_s"] = time.monotonic() - started
        for server in cluster.nodes.values():
            server.process.spawn()
        for server in cluster.nodes.values():
            server.process.wait_ready(SYNC_TIMEOUT)
        cluster.wait_synced(NODES, SYNC_TIMEOUT)
        cluster.timings["synced_s"] = time.monotonic() - started
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _require_box(sandbox: base.SandboxDir) -> None:
    if sandbox.box is None:
        raise SandboxError(
            "the Galera topology needs a box (its own network namespace) for its fixed loopback ports; "
            "this installation runs with INDEXED_BOX=off"
        )


def form_cluster() -> GaleraCluster:
    """Three synced nodes formed from scratch (bootstrap + two SST joins); the template's source."""
    started = time.monotonic()
    sandbox = base.make_sandbox_dir("galera", limits=Limits.from_env(**LIMITS))
    cluster = GaleraCluster(sandbox)
    try:
        _require_box(sandbox)
        for name in NODES:
            cluster.nodes[name] = prepare_server(
                sandbox, name, port=SQL_PORTS[name], options=node_options(name, bootstrap=name == "node1")
            )
        cluster.nodes["node1"].process.start(timeout=30)
        cluster.wait_synced(("node1",), SYNC_TIMEOUT)
        cluster.timings["bootstrap_s"] = time.monotonic() - started
        for name in NODES[1:]:
            cluster.nodes[name].process.spawn()
        for name in NODES[1:]:
            cluster.nodes[name].process.wait_ready(SYNC_TIMEOUT)
        cluster.wait_synced(NODES, SYNC_TIMEOUT)
        cluster.timings["synced_s"] = time.monotonic() - started
    except BaseException:
        cluster.stop()
        raise
    return cluster
