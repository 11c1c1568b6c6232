"""The server-process core: a real server started in its box, probed from inside the box,
reached over TCP through Box.network(), and gone with everything it started after stop()."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from labs.sandbox import base
from labs.sandbox.process import ServerProcess, make_home, probe_tcp, probe_unix

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server not installed")


def start_redis(sandbox: base.SandboxDir, name: str) -> ServerProcess:
    home = make_home(sandbox, name)
    port = base.free_port()
    argv = [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--unixsocket", str(home / "s.sock")]
    return ServerProcess(name, sandbox, argv, home, ready=probe_tcp(port), port=port).start()


def test_a_server_starts_in_its_box_and_is_reached_through_the_box_network():
    with base.sandbox_dir("core-test") as sandbox:
        server = start_redis(sandbox, "redis")
        assert probe_unix(server.home / "s.sock")(server)
        if sandbox.box is not None:
            with pytest.raises(OSError):  # not on the host's loopback
                socket.create_connection(("127.0.0.1", server.port), timeout=1)
            with sandbox.box.network():
                client = socket.create_connection(("127.0.0.1", server.port), timeout=1)
            # the thread came back to its own namespace; the socket keeps the box's
            assert os.stat("/proc/thread-self/ns/net").st_ino != os.stat(sandbox.box.netns).st_ino
        else:
            client = socket.create_connection(("127.0.0.1", server.port), timeout=1)
        with client:
            client.sendall(b"PING\r\n")
            assert client.recv(16) == b"+PONG\r\n"
        tool = server.run_tool(["redis-cli", "-s", str(server.home / "s.sock"), "ping"])
        assert tool.stdout.strip() == "PONG"
        pid = server.pid
        server.stop()
        assert not server.alive() and pid not in sandbox.pids


def test_a_server_that_exits_at_once_is_a_platform_error_with_its_log():
    with base.sandbox_dir("core-test") as sandbox:
        home = make_home(sandbox, "bad")
        server = ServerProcess("bad", sandbox, [REDIS, "--no-such-option"], home, ready=probe_tcp(1))
        with pytest.raises(base.SandboxError, match="bad exited with code"):
            server.start(timeout=5)


def test_ports_asked_for_before_any_server_binds_them_are_all_different():
    # A Redis cluster asks for a node and a bus port per node before starting any of them;
    # the kernel readily offers a just-released port again (2 repeats in 200 were seen), and
    # a repeat made a node die with "Address already in use" (a platform fault in CI).
    ports = [base.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert not base.STANDARD_PORTS & set(ports)
