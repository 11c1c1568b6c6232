"""The emulated MongoDB server: a forked child process per attempt holding a mongomock client,
answering over a pipe (``RemoteStore``), killed at the lab's deadline and bounded by an
address-space limit, so an expensive pipeline never costs the worker's own memory.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from labs.engines.mongo.answer import MongoOperation, MongoQuery, MongoSeed, OperationError, StoreTimeout
from labs.engines.mongo.store import PLATFORM_TIMEOUT, START_TIMEOUT, DocumentStore
from labs.sandbox.base import (
    SandboxDir,
    SandboxError,
    account_for,
    make_sandbox_dir,
    remove_sandbox_dir,
)
from labs.sandbox.box import sandbox_env
from labs.sandbox.mongo_emulation import EmulationUnsupported

EMULATED_MEMORY = 512 << 20  # address space the emulated server may add to what it inherits

# --------------------------------------------------------------------------- emulated server process


def _serve_emulated(connection: Any, memory_limit: int, account: tuple[int, int] | None) -> None:
    """The emulated server's main loop (in the forked child)."""
    import mongomock

    from labs.engines.mongo import geo, graph_lookup  # our additions: $geoWithin, $graphLookup
    from labs.sandbox import mongo_stages  # before dropping root: the sandbox user may not read our files

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    if account is not None:  # drop root: this process evaluates the learner's JSON
        os.setgroups([])
        os.setgid(account[1])
        os.setuid(account[0])
    client = mongomock.MongoClient()
    store = DocumentStore(client, client, emulated=True)
    # MongoDB 7's operators that mongomock lacks, and $group's unordered output (a fresh seed
    # per server, so per attempt), patched into this child's mongomock only.
    mongo_stages.install()
    graph_lookup.install()
    geo.install()
    while True:
        try:
            name, args = connection.recv()
        except (EOFError, OSError):
            break
        try:
            connection.send(("ok", getattr(store, name)(*args)))
        except OperationError as exc:
            connection.send(("operation", str(exc)))
        except EmulationUnsupported as exc:
            connection.send(("unsupported", str(exc)))
        except MemoryError:
            connection.send(("memory", ""))
        except Exception as exc:  # a bug of ours or of mongomock: report, keep serving
            connection.send(("internal", f"{type(exc).__name__}: {exc}"))


class EmulatedServer:
    """A DocumentStore in a child process; method calls cross a pipe and obey deadlines."""

    def __init__(self, sandbox: SandboxDir):
        import mongomock  # noqa: F401  (imported before the fork so the child starts fast)

        ids = account_for(sandbox.path)  # the box's own account
        self.connection, child_end = multiprocessing.Pipe()
        statm = Path("/proc/self/statm")
        inherited = int(statm.read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") if statm.exists() else 0
        # A bare fork, not multiprocessing.Process: a Celery pool worker is a daemonic
        # process, and multiprocessing refuses to let those have children.
        self.pid = os.fork()
        if self.pid == 0:  # the child: serve until the pipe closes, never return into the caller
            code = 0
            try:
                self.connection.close()
                # Nothing of the worker's environment, and the sandbox's box (cgroups, an
                # empty network namespace) before dropping root in _serve_emulated.
                os.environ.clear()
                os.environ.update(sandbox_env(sandbox.path))
                if sandbox.box is not None:
                    sandbox.box.enter_from_fork()
                _serve_emulated(child_end, inherited + EMULATED_MEMORY, ids)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        sandbox.add_process(self.pid)
        self.dead = False
        self.reaped = False

    def call(self, name: str, *args: Any, timeout: float = PLATFORM_TIMEOUT) -> Any:
        if self.dead:
            raise SandboxError("the emulated MongoDB server was stopped after an earlier timeout")
        try:
            self.connection.send((name, args))
            ready = self.connection.poll(max(0.0, timeout))
        except (OSError, EOFError) as exc:
            self.stop()
            raise SandboxError(f"the emulated MongoDB server stopped: {exc}") from None
        if not ready:
            self.stop()  # the only way to interrupt a runaway pipeline
            raise StoreTimeout()
        try:
            status, payload = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise SandboxError("the emulated MongoDB server stopped while answering") from None
        if status == "ok":
            return payload
        if status == "operation":
            raise OperationError(payload)
        if status == "unsupported":
            raise EmulationUnsupported(payload)
        if status == "memory":
            raise OperationError("the query needed more memory than the sandbox allows")
        raise SandboxError(f"the emulated MongoDB server failed: {payload}")

    def is_alive(self) -> bool:
        if self.reaped:
            return False
        pid, _ = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.reaped = True
        return not pid

    def stop(self) -> None:
        self.dead = True
        if not self.reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.reaped = True
        self.connection.close()


class RemoteStore:
    """The DocumentStore interface over an EmulatedServer."""

    emulated = True

    def __init__(self, server: EmulatedServer):
        self.server = server

    def load_seed(self, db_name: str, seed: MongoSeed, timeout: float) -> None:
        self.server.call("load_seed", db_name, seed, timeout, timeout=timeout)

    def apply(self, db_name: str, op: MongoOperation, timeout: float) -> str:
        return self.server.call("apply", db_name, op, timeout, timeout=timeout)

    def query(
        self, db_name: str, query: MongoQuery, timeout: float, as_grader: bool = False, reverse_groups: bool = False
    ) -> list[dict]:
        return self.server.call("query", db_name, query, timeout, as_grader, reverse_groups, timeout=timeout)

    def indexes(self, db_name: str, collection: str) -> list[dict]:
        return self.server.call("indexes", db_name, collection)

    def collection_options(self, db_name: str, collection: str) -> dict | None:
        return self.server.call("collection_options", db_name, collection)

    def probe_insert(self, db_name: str, collection: str, document: dict) -> str | None:
        return self.server.call("probe_insert", db_name, collection, document)

    def explain(self, db_name: str, query: MongoQuery, timeout: float) -> dict:
        raise EmulationUnsupported("explain")


@contextmanager
def emulated_store() -> Iterator[RemoteStore]:
    with ExitStack() as stack:
        sandbox = make_sandbox_dir("mongo-emulated")
        stack.callback(remove_sandbox_dir, sandbox)
        server = EmulatedServer(sandbox)
        stack.callback(sandbox.pids.clear)  # reaped by stop(): never signal a reused pid
        stack.callback(server.stop)
        server.call("ping", timeout=START_TIMEOUT)
        yield RemoteStore(server)
