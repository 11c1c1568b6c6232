"""Real ``mongod``/``mongos`` processes for an attempt: found on this machine, started boxed as the
sandbox account with ``--auth`` and two random users, and formed into the lab's topology
(standalone, replica set, sharded cluster).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labs.engines.mongo.answer import DATABASES
from labs.engines.mongo.store import START_TIMEOUT, DocumentStore
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

HOST = "127.0.0.1"

# --------------------------------------------------------------------------- real mongod


def _executable(path: str | None) -> str | None:
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def find_mongod() -> str | None:
    """MONGOD when it names an executable, else ``mongod`` on PATH, else None (emulated engine)."""
    return _executable(os.environ.get("MONGOD")) or shutil.which("mongod")


def find_mongos() -> str | None:
    mongod = find_mongod()
    sibling = str(Path(mongod).with_name("mongos")) if mongod else None
    return _executable(os.environ.get("MONGOS")) or _executable(sibling) or shutil.which("mongos")


@dataclass
class MongoProcess:
    role: str  # "mongod", "config", "shard", "mongos"
    port: int
    process: subprocess.Popen
    path: Path


@dataclass
class MongoCluster:
    """The mongod/mongos processes of one attempt and the users that reach them."""

    topology: str
    sandbox: SandboxDir
    processes: list[MongoProcess] = field(default_factory=list)
    grader_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    learner_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    entry_port: int = 0  # where clients connect: the standalone, the primary's set, or mongos
    replica_set: str | None = None
    clients: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for proc in reversed(self.processes):  # mongos first, config servers last
            if proc.process.poll() is None:
                proc.process.kill()
            try:
                proc.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.sandbox.pids.clear()
        remove_sandbox_dir(self.sandbox)


def _start_mongo_process(cluster: MongoCluster, role: str, name: str, extra: list[str], binary: str) -> MongoProcess:
    path = cluster.sandbox.path / name
    path.mkdir(mode=0o700)
    port = free_port()
    args = [binary, "--port", str(port), "--bind_ip", HOST, "--logpath", str(path / f"{role}.log"), "--quiet"]
    if role != "mongos":
        args += [
            "--dbpath", str(path), "--nounixsocket", "--noscripting", "--wiredTigerCacheSizeGB", "0.25",
            "--setParameter", "diagnosticDataCollectionEnabled=false",
        ]  # fmt: skip
    else:
        args += ["--nounixsocket", "--noscripting"]
    args += extra
    chown_to_sandbox_user(path)
    # Not in the box's network namespace: the grader and pymongo reach mongod over TCP on the
    # host's loopback (no mongod here to prove a Unix-socket setup against). Clean env, demoted.
    process = spawn_process(
        args,
        box=None,
        env={"HOME": str(path)},
        cwd=path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cluster.sandbox.add_process(process.pid, port)
    proc = MongoProcess(role, port, process, path)
    cluster.processes.append(proc)
    return proc


def _client(port: int, **kwargs: Any) -> Any:
    import pymongo

    return pymongo.MongoClient(
        HOST, port, directConnection=True, serverSelectionTimeoutMS=int(START_TIMEOUT * 1000), **kwargs
    )


def _wait_mongo(proc: MongoProcess) -> None:
    import pymongo

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            log = proc.path / f"{proc.role}.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-2:] if log.exists() else []
            raise SandboxError(f"{proc.role} exited with code {proc.process.returncode}: {' | '.join(tail)}")
        client = pymongo.MongoClient(HOST, proc.port, directConnection=True, serverSelectionTimeoutMS=200)
        try:
            client.admin.command("ping")
            return
        except pymongo.errors.PyMongoError:
            time.sleep(0.05)
        finally:
            client.close()
    raise SandboxError(f"{proc.role} on port {proc.port} did not start within {START_TIMEOUT:g}s")


def _initiate(port: int, name: str, members: list[int], configsvr: bool = False) -> None:
    """replSetInitiate through the localhost exception, then wait for a primary."""
    client = _client(port)
    try:
        config: dict[str, Any] = {
            "_id": name,
            "members": [
                {"_id": i, "host": f"{HOST}:{p}", "priority": 2 if i == 0 else 1} for i, p in enumerate(members)
            ],
        }
        if configsvr:
            config["configsvr"] = True
        client.admin.command("replSetInitiate", config)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if client.admin.command("hello").get("isWritablePrimary"):
                return
            time.sleep(0.1)
        raise SandboxError(f"replica set {name} elected no primary within {START_TIMEOUT:g}s")
    finally:
        client.close()


def _create_users(cluster: MongoCluster, port: int) -> None:
    """The first user goes in through the localhost exception; then the learner's."""
    client = _client(port)
    try:
        client.admin.command("createUser", "grader", pwd=cluster.grader_password, roles=["root"])
    finally:
        client.close()
    grader = _client(port, username="grader", password=cluster.grader_password, authSource="admin")
    try:
        roles = [{"role": role, "db": db} for db in DATABASES.values() for role in ("readWrite", "dbAdmin")]
        grader.admin.command("createUser", "learner", pwd=cluster.learner_password, roles=roles)
    finally:
        grader.close()


def start_mongo_cluster(topology: str, options: dict[str, Any]) -> MongoCluster:
    mongod = find_mongod()
    if mongod is None:
        raise SandboxError("mongod is not installed")
    cluster = MongoCluster(topology=topology, sandbox=make_sandbox_dir(f"mongo-{topology}"))
    os.chmod(cluster.sandbox.path, 0o711)
    try:
        account = ensure_sandbox_user()
        key_file = cluster.sandbox.path / "keyfile"
        if topology != "standalone":
            # Members authenticate to each other with this shared secret; mongod insists
            # that only its own user can read it.
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o400)
            if account is not None:
                os.chown(key_file, account.pw_uid, account.pw_gid)
        if topology == "standalone":
            proc = _start_mongo_process(cluster, "mongod", "mongod", ["--auth"], mongod)
            _wait_mongo(proc)
            cluster.entry_port = proc.port
            _create_users(cluster, proc.port)
        elif topology == "replica_set":
            name = f"rs-{secrets.token_hex(4)}"
            members = [
                _start_mongo_process(cluster, "mongod", f"member{i}", ["--replSet", name, "--keyFile", str(key_file),
                                                                       "--oplogSize", "64"], mongod)
                for i in range(int(options.get("members", 3)))
            ]  # fmt: skip
            for proc in members:
                _wait_mongo(proc)
            _initiate(members[0].port, name, [p.port for p in members])
            cluster.entry_port, cluster.replica_set = members[0].port, name
            _create_users(cluster, members[0].port)
        else:
            mongos_binary = find_mongos()
            if mongos_binary is None:
                raise SandboxError("mongos is not installed next to mongod")
            common = ["--keyFile", str(key_file), "--oplogSize", "64"]
            config = _start_mongo_process(cluster, "config", "config", ["--configsvr", "--replSet", "cfg"] + common,
                                          mongod)  # fmt: skip
            shards = [
                _start_mongo_process(cluster, "shard", f"shard{i}", ["--shardsvr", "--replSet", f"sh{i}"] + common,
                                     mongod)
                for i in range(int(options.get("shards", 2)))
            ]  # fmt: skip
            for proc in [config, *shards]:
                _wait_mongo(proc)
            _initiate(config.port, "cfg", [config.port], configsvr=True)
            for i, proc in enumerate(shards):
                _initiate(proc.port, f"sh{i}", [proc.port])
            router = _start_mongo_process(
                cluster, "mongos", "mongos", ["--configdb", f"cfg/{HOST}:{config.port}", "--keyFile", str(key_file)],
                mongos_binary,
            )  # fmt: skip
            _wait_mongo(router)
            cluster.entry_port = router.port
            _create_users(cluster, router.port)
            grader = _client(router.port, username="grader", password=cluster.grader_password, authSource="admin")
            try:
                for i, proc in enumerate(shards):
                    grader.admin.command("addShard", f"sh{i}/{HOST}:{proc.port}")
            finally:
                grader.close()
        return cluster
    except BaseException:
        cluster.stop()
        raise


@contextmanager
def mongod_store(topology: str, options: dict[str, Any]) -> Iterator[DocumentStore]:
    cluster = start_mongo_cluster(topology, options)
    try:
        extra = {"replicaSet": cluster.replica_set, "directConnection": False} if cluster.replica_set else {}
        import pymongo

        def connect(user: str, password: str, auth_db: str) -> Any:
            kwargs = {"directConnection": True, **extra}
            return pymongo.MongoClient(
                HOST, cluster.entry_port, username=user, password=password, authSource=auth_db,
                serverSelectionTimeoutMS=int(START_TIMEOUT * 1000), **kwargs,
            )  # fmt: skip

        grader = connect("grader", cluster.grader_password, "admin")
        learner = connect("learner", cluster.learner_password, "admin")
        cluster.clients += [grader, learner]
        yield DocumentStore(grader, learner, emulated=False)
    finally:
        cluster.stop()
