"""Three ``mariadbd`` wsrep nodes (Debian's ``galera-4`` provider) in one box.

Every node is a MariaDB server from the engine's template (``labs.engines.mariadb.server``)
with the wsrep options added; all three listen on the box's own loopback (SQL on 3306-3308,
group communication on 4567/4577/4587, IST and SST ports next to it), so the ports are the
attempt's alone. node1 bootstraps the cluster (``--wsrep-new-cluster``); node2 and node3 join
it at once and receive a full state transfer by ``rsync`` (``wsrep_sst_rsync`` runs inside the
box as the node's account). The group-communication timeouts are shortened (a crashed peer is
suspected after 3 s rather than 5 s) so a grade sees a lost quorum within seconds.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from labs.engines.mariadb.server import MariaServer, prepare_server
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
        for server in self.nodes.values():
            with contextlib.suppress(Exception):
                server.process.stop(grace=5.0)
        base.remove_sandbox_dir(self.sandbox)


def start_cluster() -> GaleraCluster:
    """Three synced nodes; on any failure every node and the box are gone again."""
    started = time.monotonic()
    sandbox = base.make_sandbox_dir("galera", limits=Limits.from_env(**LIMITS))
    cluster = GaleraCluster(sandbox)
    try:
        if sandbox.box is None:
            raise SandboxError(
                "the Galera topology needs a box (its own network namespace) for its fixed loopback ports; "
                "this installation runs with INDEXED_BOX=off"
            )
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
