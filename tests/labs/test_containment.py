"""The box around every sandbox, tried as a learner who already escaped to a shell.

``COPY … FROM PROGRAM`` on the sandbox's superuser connection is exactly what the isolation
lab's escape gave a hostile learner: a shell as the sandbox's OS user. From there nothing of
the host may be reachable (the site database, the broker, the system PostgreSQL, other
attempts), nothing of the worker's environment or files readable, and an answer that eats
memory or disk stops inside its own allowance with a verdict, not a platform fault.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import sql

from labs.result import REJECTED
from labs.runner import grade
from labs.sandbox import base, postgres, redis
from labs.sandbox import box as boxes

pytestmark = [
    pytest.mark.skipif(postgres.find_missing_binaries() is not None, reason="PostgreSQL 15 not installed"),
    pytest.mark.skipif(os.geteuid() != 0 or boxes.probe() is not None, reason="boxes need root and namespaces"),
]

SECRET = "sekret-the-worker-must-keep-" + os.urandom(4).hex()


def shell(instance: postgres.PgInstance, command: str) -> str:
    """Run ``command`` the way an escaped learner would: COPY FROM PROGRAM as superuser."""
    with instance.connect() as conn:
        conn.execute("CREATE TEMP TABLE out (line text)")
        # CSV with control characters as delimiter and quote: any output line is one value
        copy = "COPY out FROM PROGRAM {} WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
        conn.execute(sql.SQL(copy).format(sql.Literal(f"{{ {command} ; }} 2>&1; true")))
        return "\n".join(row[0] or "" for row in conn.execute("SELECT line FROM out").fetchall())


def tcp_probe(ports: dict[str, int]) -> str:
    lines = [
        f"(exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo '{name} open' || echo '{name} closed'"
        for name, port in ports.items()
    ]
    script = " ; ".join(lines).replace("'", "'\\''")
    return f"bash -c '{script}'"


@pytest.fixture
def site_secrets(monkeypatch, tmp_path):
    """What a worker holds: secrets in its environment, a broker listening on loopback, and
    a site directory readable by its own user only (as make run leaves var/)."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    monkeypatch.setenv("CELERY_BROKER_URL", f"redis://:{SECRET}@127.0.0.1:1/0")
    site = tmp_path / "var"
    site.mkdir(mode=0o700)
    (site / "db.sqlite3").write_text(SECRET)
    os.chmod(site / "db.sqlite3", 0o600)
    broker = socket.socket()
    broker.bind(("127.0.0.1", 0))
    broker.listen()
    yield {"site": site, "broker_port": broker.getsockname()[1]}
    broker.close()


def test_a_shell_in_one_attempt_reaches_no_host_service_no_other_attempt_and_no_site_file(site_secrets):
    with postgres.start_instance() as first, postgres.start_instance() as second:
        ports = {
            "itself": first.port,  # the control: its own server is there, so the probe works
            "system-postgres": 5432,
            "system-redis": 6379,
            "broker": site_secrets["broker_port"],
            "other-attempt": second.port,
        }
        seen = shell(first, tcp_probe(ports))
        assert "itself open" in seen
        for name in ("system-postgres", "system-redis", "broker", "other-attempt"):
            assert f"{name} closed" in seen, seen

        # The host side really listens there: the walls, not an absent service, keep it out.
        with socket.create_connection(("127.0.0.1", site_secrets["broker_port"]), timeout=1):
            pass

        site_file = site_secrets["site"] / "db.sqlite3"
        solution = base.SITE_ROOT / "curriculum" / "labs" / "sql-top-customers" / "solution.sql"
        seen = shell(first, f"cat {site_file} 2>&1; env; cat /proc/{os.getpid()}/environ 2>&1; id -un; "
                            f"grep NoNewPrivs /proc/self/status; cat {solution}; ls {base.SITE_ROOT}")
        assert SECRET not in seen and solution.exists()
        assert solution.read_text().strip().splitlines()[0] not in seen  # the checkout is denied by ACL
        assert f"cannot open directory '{base.SITE_ROOT}': Permission denied" in seen
        assert "Permission denied" in seen
        assert "indexed-sbx-" in seen and "NoNewPrivs:\t1" in seen

        # Each attempt has an OS account of its own: the other's files and server are out of reach.
        assert first.process.pid != second.process.pid
        seen = shell(first, f"cat {second.data_dir}/PG_VERSION; kill -0 {second.pid} && echo signalled")
        assert "Permission denied" in seen and "signalled" not in seen and "15" not in seen.split()
        assert "DJANGO" not in seen and "BROKER" not in seen

        # The template every instance is copied from is root's: no setting can be planted in it.
        template = postgres.initdb_template().path
        seen = shell(first, f"touch {template}/data/planted 2>&1; ls {template} 2>&1")
        assert "Permission denied" in seen and not (template / "data" / "planted").exists()


def test_a_server_runs_in_its_own_namespace_and_cgroup_with_an_empty_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    with postgres.start_instance() as instance:
        pid = instance.pid
        assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        names = sorted(entry.split(b"=", 1)[0].decode() for entry in environ if entry)
        assert names == ["HOME", "LANG", "LC_ALL", "PATH", "PGDATA", "TZ"]
        box = instance.sandbox.box
        assert pid in box.members() and os.path.ismount(instance.sandbox.path)
        cgroups, netns, mount = list(box.cgroups.values()), box.netns, instance.sandbox.path
    # Teardown undoes every wall: no process, cgroup, namespace or mount is left.
    assert not any(path.exists() for path in cgroups)
    assert not netns.exists() and not os.path.ismount(mount) and not mount.exists()


def test_redis_servers_are_boxed_and_reached_over_their_unix_socket(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    deployment = redis.start_deployment("standalone", redis.RedisOptions())
    try:
        pid = deployment.nodes[0].process.pid
        assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
        assert SECRET.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
        assert deployment.admin().call("PING") == "PONG"
        with pytest.raises(OSError):  # nothing of it is on the host's loopback
            socket.create_connection(("127.0.0.1", deployment.nodes[0].port), timeout=1)
    finally:
        deployment.stop()


HOG_LAB = """
id = "t-hog"
title = "t"
engine = "postgres"
topology = "database"
time_limit = 20

[[checks]]
type = "result"
"""


@pytest.fixture
def small_boxes(monkeypatch):
    """Query-lab instances with a small allowance, started afresh and dropped after."""
    monkeypatch.setenv("INDEXED_BOX_MEMORY_MB", "200")
    monkeypatch.setenv("INDEXED_BOX_DISK_MB", "80")
    postgres.POOL.close()
    yield
    postgres.POOL.close()


def test_an_answer_that_eats_memory_gets_a_verdict_and_stays_in_its_box(small_boxes, make_lab):
    spec = make_lab(HOG_LAB, setup="CREATE TABLE t (id int)", solution="SELECT 1 AS one")
    answer = (
        "SET work_mem = '2GB'; SET hash_mem_multiplier = 10;\n"
        "SELECT count(*) FROM (SELECT g, count(*) FROM generate_series(1, 40000000) g GROUP BY g) s;"
    )
    result = grade(spec, answer)
    assert result.gradable and result.status == REJECTED and result.score == 0.0
    assert "more memory than this lab's sandbox allows (200 MB)" in result.message
    assert "work_mem" in result.message


def test_an_answer_that_writes_without_end_fills_only_its_own_disk(small_boxes, make_lab):
    spec = make_lab(HOG_LAB, setup="CREATE TABLE t (id int)", solution="SELECT 1 AS one")
    before = base.SANDBOX_ROOT.stat()
    answer = (
        "CREATE TEMP TABLE filler AS SELECT repeat(md5(g::text), 40) AS pad FROM generate_series(1, 200000) g;\n"
        "SELECT 1 AS one;"
    )
    result = grade(spec, answer)
    assert result.gradable and result.score < 1.0
    text = result.message + " ".join(check.message for check in result.checks)
    assert "space" in text.lower(), text
    assert base.SANDBOX_ROOT.stat().st_dev == before.st_dev


def test_a_worker_that_cannot_box_refuses_to_start_unless_the_operator_opts_out():
    # A worker started as an ordinary user (nobody: the sandbox user itself may not read the code).
    code = "from labs.sandbox import box; box.require_boxes(); print('started')"
    as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    refused = subprocess.run([*as_user, sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "refusing to start" in refused.stderr and "INDEXED_BOX=off" in refused.stderr
    allowed = subprocess.run(
        [*as_user, sys.executable, "-c", code], capture_output=True, text=True, env={**env, "INDEXED_BOX": "off"}
    )
    assert allowed.returncode == 0 and "started" in allowed.stdout and "WITHOUT" in allowed.stderr


def test_files_a_box_account_leaves_in_shared_scratch_go_with_the_box():
    """A SIGKILLed postmaster with posix shared memory leaves /dev/shm segments; a shell can
    write to /tmp. Both belong to the box's account, and go when its lease ends."""
    marker = "indexed-leak-" + os.urandom(3).hex()
    with postgres.start_instance() as instance:
        uid = base.account_for(instance.sandbox.path)[0]
        shell(instance, f"touch /dev/shm/{marker} /tmp/{marker}; mkdir /tmp/{marker}-dir")
        assert Path(f"/dev/shm/{marker}").stat().st_uid == uid
    assert not any(Path(folder, name).exists() for folder in ("/dev/shm", "/tmp") for name in (marker, f"{marker}-dir"))



LEAVE_A_BOX_BEHIND = """
import os, subprocess
from labs.sandbox import base
sandbox = base.make_sandbox_dir("leak")
sleeper = sandbox.spawn(["sleep", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(sandbox.box.name, sleeper.pid, flush=True)
os._exit(0)  # as a SIGKILLed worker would: no teardown
"""


def box_traces(name: str) -> list[str]:
    traces = []
    if (boxes.NETNS_DIR / name).exists():
        traces.append("network namespace")
    if any((own / boxes.CGROUP_PARENT / name).exists() for own in boxes._own_cgroup_paths().values()):
        traces.append("cgroup")
    if name in boxes._box_mounts():
        traces.append("tmpfs mount")
    return traces


def test_the_reaper_removes_a_dead_workers_box_even_when_its_folder_is_out_of_sight(tmp_path):
    """A worker killed after its sandbox folder went (or one using another sandbox root) left
    its namespace, cgroup and mount for the machine's lifetime: the folder-based reaper could
    not see them. The box's name says whose it was; the reaper must sweep it by that."""
    env = {**os.environ, "INDEXED_SANDBOX_ROOT": str(tmp_path / "elsewhere"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", LEAVE_A_BOX_BEHIND], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    name, sleeper = done.stdout.split()
    assert box_traces(name) == ["network namespace", "cgroup", "tmpfs mount"]
    with base.sandbox_dir("alive") as mine:  # a live owner's box is left alone
        reaped = base.reap_orphans()
        assert name in reaped and mine.box.name not in reaped
        assert box_traces(mine.box.name) == ["network namespace", "cgroup", "tmpfs mount"]
    assert box_traces(name) == []
    assert not running(int(sleeper)), "the box's process outlived the sweep"


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for init to collect it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_folder_still_being_made_is_not_taken_for_an_orphan():
    """A sibling worker's reaper (each new pool process reaps) can look while a folder has
    no owner record yet: the pid in its name says its maker lives."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    base.SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
    being_made = base.SANDBOX_ROOT / f"pg-{os.getpid()}-{os.urandom(4).hex()}"
    abandoned = base.SANDBOX_ROOT / f"pg-{dead.pid}-{os.urandom(4).hex()}"
    for folder in (being_made, abandoned):
        folder.mkdir()
    try:
        reaped = base.reap_orphans()
        assert being_made.is_dir() and str(being_made) not in reaped
        assert not abandoned.exists() and str(abandoned) in reaped
    finally:
        being_made.rmdir()
