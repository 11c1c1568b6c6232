"""Scale-out: a second grading host, simulated as a machine of its own, grades from the same
queue as the main host, and losing it mid-grade costs no verdict.

The second "host" is a network namespace joined to this one by a veth pair (its only way to
the main host's database and broker, over TCP, as across a real network), with its own host
name (a UTS namespace, so GradingRun.worker tells the hosts apart), its own mount namespace
(`ip netns exec`) and its own cgroup, so "the machine died" is a SIGKILL of every process in
that cgroup, sandboxes included. It runs scripts/worker-host.sh with nothing but the two URL
files and the broker's certificate the main host wrote, and this checkout: its grading
messages come over the broker's TLS port (the only TCP port the broker has), checked against
that certificate.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.deploy.test_serve import ROOT, Browser, Profile, free_port

pytestmark = pytest.mark.slow

SOLUTION = (ROOT / "curriculum" / "labs" / "sql-top-customers" / "solution.sql").read_text()
PASSWORD = "scale-out-password-7"
MAIN_HOST = socket.gethostname()
# Long enough for both hosts' runs to overlap, and for the test to catch one mid-grade.
LEASE_ALLOWANCE = "45"  # INDEXED_PREPARATION_ALLOWANCE: the lease is about 41 s + this


def slow_right_answer(seconds: int) -> str:
    """The reference solution with a pause joined in: still right (score 1.0), but each
    evaluation holds the worker for ``seconds``."""
    answer = SOLUTION.replace("FROM ranked\n", f"FROM ranked, (SELECT pg_sleep({seconds})) AS pause\n")
    assert answer != SOLUTION
    return answer


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=30)


class SecondHost:
    """A network namespace + veth pair + cgroup that plays a second machine."""

    def __init__(self, base: Path):
        tag = f"{os.getpid() % 100000}"
        self.netns = f"indexed-scale-{tag}"
        self.link_a, self.link_b = f"isa{tag}", f"isb{tag}"
        # Link-local addresses on a link that exists only between this host and the namespace.
        octet = 100 + os.getpid() % 100
        self.addr_a, self.addr_b = f"169.254.{octet}.1", f"169.254.{octet}.2"
        self.hostname = f"scale-b-{tag}"
        self.var = base / "host-b-var"
        self.sandbox_root = Path(f"/dev/shm/indexed-scale-out-b-{tag}")
        self.cgroups = {
            controller: own / f"indexed-scale-{tag}" for controller, own in own_cgroups().items()
        }
        self.process: subprocess.Popen | None = None
        self.log = base / "host-b.log"

    def create(self) -> None:
        run("ip", "netns", "add", self.netns)
        run("ip", "link", "add", self.link_a, "type", "veth", "peer", "name", self.link_b, "netns", self.netns)
        run("ip", "addr", "add", f"{self.addr_a}/30", "dev", self.link_a)
        run("ip", "link", "set", self.link_a, "up")
        run("ip", "-n", self.netns, "addr", "add", f"{self.addr_b}/30", "dev", self.link_b)
        run("ip", "-n", self.netns, "link", "set", self.link_b, "up")
        run("ip", "-n", self.netns, "link", "set", "lo", "up")
        for path in self.cgroups.values():
            path.mkdir(exist_ok=True)

    def start(self, env: dict[str, str]) -> None:
        procs = [str(path / "cgroup.procs") for path in self.cgroups.values()]

        def join_cgroups() -> None:
            for procs_file in procs:
                Path(procs_file).write_text(str(os.getpid()))

        # `ip netns exec` gives the host a mount namespace with a fresh /sys, where the cgroup
        # hierarchies are not mounted: mount them again, as a real machine has them.
        script = f"{mount_cgroups_script()} hostname {self.hostname} && exec scripts/worker-host.sh"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, "unshare", "--uts", "--", "sh", "-c", script],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=join_cgroups,
            )

    def members(self) -> set[int]:
        """Every process of this host, sandboxes included (they nest in its cgroups)."""
        pids: set[int] = set()
        for path in self.cgroups.values():
            if path.exists():
                for procs in path.rglob("cgroup.procs"):
                    with contextlib.suppress(OSError, ValueError):
                        pids.update(int(p) for p in procs.read_text().split())
        return pids

    def kill(self) -> None:
        """The machine dies: SIGKILL everything in its cgroups, until nothing is left."""
        for _ in range(200):
            pids = self.members()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def destroy(self) -> None:
        self.kill()
        # The host's sandboxes died with it; their directories and namespace files remain on the
        # shared file systems (on a real machine, its reboot would clear them).
        env = {**os.environ, "INDEXED_SANDBOX_ROOT": str(self.sandbox_root)}
        subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "labs", "sandbox", "reap"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
        for path in self.cgroups.values():
            for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True) if path.exists() else []:
                if child.is_dir():
                    with contextlib.suppress(OSError):
                        child.rmdir()
            with contextlib.suppress(OSError):
                path.rmdir()
        subprocess.run(["ip", "netns", "delete", self.netns], capture_output=True)
        subprocess.run(["ip", "link", "delete", self.link_a], capture_output=True)  # gone with the peer, normally
        shutil.rmtree(self.sandbox_root, ignore_errors=True)

    def leftovers(self) -> list[str]:
        found = [f"pid {pid}" for pid in self.members()]
        if self.netns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout:
            found.append(f"netns {self.netns}")
        if subprocess.run(["ip", "link", "show", self.link_a], capture_output=True).returncode == 0:
            found.append(f"link {self.link_a}")
        found += [f"cgroup {p}" for p in self.cgroups.values() if p.exists()]
        return found


def own_cgroups() -> dict[str, Path]:
    """This process's cgroup in each controller the sandboxes use (v1), or the v2 one."""
    found: dict[str, Path] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(","):
            if name in ("memory", "pids", "cpu") and Path("/sys/fs/cgroup", name).is_dir():
                found[name] = Path("/sys/fs/cgroup", name, path.lstrip("/"))
        if names == "" and not found and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            found["unified"] = Path("/sys/fs/cgroup", path.lstrip("/"))
    return found


def mount_cgroups_script() -> str:
    if "unified" in own_cgroups():
        return "mount -t cgroup2 none /sys/fs/cgroup &&"
    lines = ["mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup &&"]
    for name in ("memory", "pids", "cpu"):
        if Path("/sys/fs/cgroup", name).is_dir():
            lines.append(f"mkdir -p /sys/fs/cgroup/{name} && mount -t cgroup -o {name} cgroup /sys/fs/cgroup/{name} &&")
    return " ".join(lines)


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def boxed_servers(root: int) -> list[int]:
    """Sandboxed servers below ``root``: processes in a box cgroup (…/indexed/indexed-…)."""
    servers = []
    for pid in descendants(root):
        with contextlib.suppress(OSError):
            if "/indexed/indexed-" in Path(f"/proc/{pid}/cgroup").read_text():
                servers.append(pid)
    return servers


CONNECT = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)"


def assert_contained(root: int, worker_netns: str, site_db: tuple[str, int]) -> None:
    """The host's sandboxes run in box namespaces of their own: not the host's, with only a
    loopback, from which the site database is out of reach."""
    servers = boxed_servers(root)
    assert servers, "no sandboxed server below this host's workers"
    for pid in servers[:3]:
        netns = os.readlink(f"/proc/{pid}/ns/net")
        assert netns != worker_netns, f"sandbox {pid} shares its host's network namespace"
        links = subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", "ip", "-o", "link"],
                               capture_output=True, text=True, check=True).stdout
        assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"], links
        probe = subprocess.run(
            ["nsenter", f"--net=/proc/{pid}/ns/net", "python3", "-c", CONNECT, *map(str, site_db)],
            capture_output=True, text=True,
        )
        assert probe.returncode != 0, "a sandbox reached the site database"


PROBE_ROLE = """
import os, sys, psycopg
url, superuser = sys.argv[1], os.environ["SUPERUSER_URL"]
with psycopg.connect(url, autocommit=True) as conn:
    assert conn.execute("SELECT count(*) FROM grading_submission").fetchone()[0] >= 0
    refused = ("CREATE TABLE intruder (x int)", "COPY (SELECT 1) TO PROGRAM 'true'", "DROP TABLE grading_submission")
    for statement in refused:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            continue
        raise SystemExit(f"the worker role may run: {statement}")
def refused(conninfo, reason, otherwise):
    try:
        psycopg.connect(conninfo, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        assert reason in str(exc), exc
    else:
        raise SystemExit(otherwise)
refused(superuser, "pg_hba.conf", "the site database's superuser logs in from the worker network")
# verify-full: a server whose certificate is not the one worker hosts were given is refused
impostor = url.replace("sslrootcert=site-db-ca.crt", "sslrootcert=broker-ca.crt")
refused(impostor, "certificate verify failed", "a worker host trusting another certificate reached the site database")
print("ok")
"""


PROBE_BROKER = """
import os, socket, ssl, sys
import redis
host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
password = os.environ["BROKER_PASSWORD"]
# Plain text, as a worker given a redis:// URL would talk: no answer, the connection is dropped.
with socket.create_connection((host, port), timeout=10) as plain:
    plain.sendall(f"AUTH {password}\\r\\nPING\\r\\n".encode())
    try:
        reply = plain.recv(100)
    except OSError:
        reply = b""
assert b"PONG" not in reply and b"+OK" not in reply, reply
# TLS without the main host's certificate: this client refuses the server.
try:
    redis.Redis(host=host, port=port, password=password, ssl=True, ssl_cert_reqs="required",
                socket_timeout=10).ping()
except redis.ConnectionError as exc:
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc), exc
else:
    raise SystemExit("a TLS client without broker-ca.crt accepted the broker")
# TLS with it, as worker-host.sh connects: the broker answers.
assert redis.Redis(host=host, port=port, password=password, ssl=True, ssl_cert_reqs="required", ssl_ca_certs=ca,
                   socket_timeout=10).ping()
print("ok")
"""


def assert_broker_is_tls_only(host_b: SecondHost, profile: Profile, broker_port: int) -> None:
    """From the worker network the broker speaks TLS only: a plain-text client gets no answer,
    a TLS client that does not trust the main host's certificate refuses it, and one given
    broker-ca.crt (what worker hosts get) is answered."""
    url = (host_b.var / "broker_url").read_text().strip()
    assert url.startswith("rediss://:") and f"@{host_b.addr_a}:{broker_port}/" in url, "broker URL is not TLS"
    assert "ssl_cert_reqs=required" in url and "ssl_ca_certs=broker-ca.crt" in url, url
    password = (profile.base / "var" / "redis.password").read_text().strip()
    done = subprocess.run(["ip", "netns", "exec", host_b.netns, str(ROOT / ".venv/bin/python"), "-c", PROBE_BROKER,
                           host_b.addr_a, str(broker_port), str(host_b.var / "broker-ca.crt")],
                          env={**os.environ, "BROKER_PASSWORD": password}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr


def assert_worker_role_is_rows_only(host_b: SecondHost, profile: Profile, db_port: int) -> None:
    """From the worker network, the site database takes only its worker role, which may read
    and write rows but not run DDL or programs; its superuser is refused by pg_hba.conf."""
    url = (host_b.var / "database_url").read_text().strip()
    assert url.startswith("postgresql://indexed_worker:"), "worker hosts must not get the superuser"
    assert "sslmode=verify-full" in url and "sslrootcert=site-db-ca.crt" in url, url
    password = (profile.base / "var" / "site-db.password").read_text().strip()
    quoted = urllib.parse.quote(password, safe="")
    superuser = f"postgresql://indexed:{quoted}@{host_b.addr_a}:{db_port}/indexed?sslmode=require"
    # in the worker host's var directory, where the URL's relative sslrootcert points
    done = subprocess.run(["ip", "netns", "exec", host_b.netns, str(ROOT / ".venv/bin/python"), "-c", PROBE_ROLE, url],
                          env={**os.environ, "SUPERUSER_URL": superuser}, capture_output=True, text=True, timeout=60,
                          cwd=host_b.var)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr


class Site:
    """Reads the site database directly (fast enough to catch a grade in progress)."""

    def __init__(self, profile: Profile):
        url = (profile.base / "var" / "database_url").read_text().strip()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        parts = urllib.parse.urlparse(url)
        self.conninfo = dict(host=query["host"][0], port=query.get("port", ["5432"])[0], dbname="indexed",
                             user=parts.username, password=urllib.parse.unquote(parts.password), autocommit=True)

    def rows(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(**self.conninfo) as conn:
            return conn.execute(sql, params).fetchall()

    def wait(self, submission_ids: list[int], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            open_ = self.rows("SELECT count(*) FROM grading_submission WHERE id = ANY(%s) AND status NOT IN "
                              "('done', 'failed')", submission_ids)[0][0]
            if open_ == 0:
                return
            time.sleep(1)
        raise AssertionError(f"submissions without a verdict after {seconds:.0f} s: {self.runs(submission_ids)}")

    def runs(self, submission_ids: list[int]) -> list[tuple]:
        return self.rows("SELECT submission_id, worker, outcome, applied FROM grading_gradingrun "
                         "WHERE submission_id = ANY(%s) ORDER BY id", submission_ids)


def submit(learner: Browser, answer: str) -> int:
    status, _, url = learner.post("/labs/sql-top-customers/submit/", "/labs/sql-top-customers/",
                                  {"answer": answer, "action": "submit"})
    assert status == 200 and "/submissions/" in url, url
    return int(urllib.parse.urlparse(url).path.rstrip("/").rsplit("/", 1)[1])


def health(profile: Profile) -> dict:
    try:
        return json.loads(urllib.request.urlopen(profile.url("/healthz"), timeout=10).read())
    except OSError as exc:
        return {"error": str(exc)}


@pytest.fixture
def base():
    path = Path(tempfile.mkdtemp(prefix="indexed-scale-", dir="/var/tmp"))
    path.chmod(0o755)  # the site database's own OS account must reach its directory
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_second_host_grades_from_the_same_queue_and_its_loss_costs_no_verdict(base):
    host_b = SecondHost(base)
    profile = Profile(base, free_port())
    db_port, broker_port = free_port(), free_port()
    profile.env.update(
        INDEXED_WORKER_NETWORK=f"{host_b.addr_b}/32",
        INDEXED_SITE_DB_LISTEN=host_b.addr_a, INDEXED_SITE_DB_PORT=str(db_port),
        INDEXED_BROKER_LISTEN=host_b.addr_a, INDEXED_BROKER_PORT=str(broker_port),
        INDEXED_SANDBOX_ROOT=f"/dev/shm/indexed-scale-out-a-{os.getpid() % 100000}",
        INDEXED_PREPARATION_ALLOWANCE=LEASE_ALLOWANCE, INDEXED_MAX_PENDING_SUBMISSIONS="10",
        INDEXED_SUBMISSIONS_PER_MINUTE="60",
    )
    try:
        host_b.create()
        profile.start()
        # What the main host hands a worker host: two 0600 files, nothing else.
        handed = profile.base / "var" / "worker-host"
        host_b.var.mkdir(mode=0o700)
        for name in ("database_url", "broker_url", "broker-ca.crt", "site-db-ca.crt"):
            assert (handed / name).stat().st_mode & 0o077 == 0
            shutil.copy(handed / name, host_b.var / name)
            (host_b.var / name).chmod(0o600)
        assert host_b.addr_a in (host_b.var / "database_url").read_text()
        assert_worker_role_is_rows_only(host_b, profile, db_port)
        assert_broker_is_tls_only(host_b, profile, broker_port)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
        env.update(INDEXED_VAR_DIR=str(host_b.var), INDEXED_SANDBOX_ROOT=str(host_b.sandbox_root),
                   INDEXED_GRADE_WORKERS="1", INDEXED_HEAVY_WORKERS="0", INDEXED_PREPARATION_ALLOWANCE=LEASE_ALLOWANCE)
        host_b.start(env)
        deadline = time.monotonic() + 120
        while (workers := health(profile).get("workers", 0)) < 3:  # quick + heavy on A, quick on B
            assert host_b.process.poll() is None, f"worker host exited: {host_b.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"host B never answered a ping: {host_b.log.read_text()[-3000:]}"
            time.sleep(2)
        assert workers == 3

        create = f"from apps.accounts.models import User; User.objects.create_user('scaler', password='{PASSWORD}')"
        profile.manage("shell", "-c", create)
        learner = Browser(profile)
        assert "/accounts/login/" not in learner.log_in("scaler", PASSWORD)[2]
        site = Site(profile)

        # 1. Four answers that each hold a worker a few seconds: with one quick worker per host,
        # both hosts must take some, and every verdict is right.
        first = [submit(learner, slow_right_answer(2)) for _ in range(4)]
        site.wait(first, 240)
        applied = site.rows("SELECT s.id, s.score, r.worker FROM grading_submission s JOIN grading_gradingrun r "
                            "ON r.submission_id = s.id AND r.applied WHERE s.id = ANY(%s)", first)
        assert len(applied) == 4 and all(score == 1.0 for _, score, _ in applied), applied
        hosts = {worker.split(":")[0] for _, _, worker in applied}
        assert hosts == {MAIN_HOST, host_b.hostname}, f"graded by {hosts}"

        # 2. Host B dies holding a grade. Two slow answers: each host takes one.
        second = [submit(learner, slow_right_answer(3)) for _ in range(2)]
        deadline = time.monotonic() + 120
        while not (held := site.rows("SELECT submission_id FROM grading_gradingrun WHERE submission_id = ANY(%s) "
                                     "AND outcome = 'running' AND worker LIKE %s", second, f"{host_b.hostname}:%")):
            assert time.monotonic() < deadline, f"host B never took one: {site.runs(second)}"
            time.sleep(0.2)
        held_id = held[0][0]
        # Its sandboxes are boxed on that host too: namespaces made from inside its own.
        worker_netns = os.readlink(f"/proc/{host_b.process.pid}/ns/net")
        assert worker_netns != os.readlink("/proc/self/ns/net")
        assert_contained(host_b.process.pid, worker_netns, (host_b.addr_a, db_port))
        host_b.kill()
        killed_at = time.monotonic()
        assert host_b.members() == set()
        assert site.rows("SELECT status FROM grading_submission WHERE id = %s", held_id)[0][0] == "running"

        # Its lease expires, the main host's sweeper re-queues it, the main host grades it.
        site.wait(second, 300)
        print(f"second host killed mid-grade: its submission's verdict came {time.monotonic() - killed_at:.0f} s later")
        runs = site.runs([held_id])
        assert [(w.split(":")[0], outcome) for _, w, outcome, _ in runs][0] == (host_b.hostname, "lost"), runs
        final = [(w.split(":")[0], outcome) for _, w, outcome, applied_ in runs if applied_]
        assert final == [(MAIN_HOST, "graded")], runs
        scores = site.rows("SELECT score, counted FROM grading_submission WHERE id = ANY(%s)", second)
        assert scores == [(1.0, True), (1.0, True)], scores
        # The main host's own sandboxes are boxed as well.
        assert_contained(profile.process.pid, os.readlink("/proc/self/ns/net"), (host_b.addr_a, db_port))
    finally:
        host_b.destroy()
        if profile.process is not None and profile.process.poll() is None:
            profile.stop()
        shutil.rmtree(profile.env["INDEXED_SANDBOX_ROOT"], ignore_errors=True)
    assert host_b.leftovers() == []
    assert_gone(profile)


def assert_gone(profile: Profile, seconds: float = 15) -> None:
    """No process of the profile outlives it (helpers that watch their parent get a moment)."""
    deadline = time.monotonic() + seconds
    while (left := profile.leftovers()) and time.monotonic() < deadline:
        time.sleep(1)
    assert left == [], "processes outlived serve.sh"


def test_a_worker_host_refuses_url_files_others_can_read_or_that_are_missing(tmp_path):
    """Also a broker URL in plain text or without a checked certificate."""
    var = tmp_path / "worker-var"
    var.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env["INDEXED_VAR_DIR"] = str(var)

    def start() -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / "scripts" / "worker-host.sh")], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)

    done = start()
    assert done.returncode == 2 and "DATABASE_URL is not set" in done.stderr, done.stderr
    (var / "database_url").write_text("postgresql://indexed:secret@site.example.invalid:5432/indexed?sslmode=require\n")
    (var / "database_url").chmod(0o644)
    (var / "broker_url").write_text("redis://:secret@site.example.invalid:6390/0\n")
    (var / "broker_url").chmod(0o600)
    done = start()
    assert done.returncode == 2 and "mode 644" in done.stderr and "make it 0600" in done.stderr, done.stderr
    (var / "database_url").write_text("postgresql://indexed:secret@/indexed?host=/var/lib/indexed/site-db/run\n")
    (var / "database_url").chmod(0o600)
    done = start()
    assert done.returncode == 2 and "Unix socket of the main host" in done.stderr, done.stderr
    # The broker: never plain text across the network, and its certificate is checked.
    (var / "database_url").write_text("postgresql://indexed:secret@site.example.invalid:5432/indexed?sslmode=require\n")
    done = start()
    assert done.returncode == 2 and "plain-text Redis" in done.stderr, done.stderr
    (var / "broker_url").write_text("rediss://:secret@site.example.invalid:6390/0?ssl_cert_reqs=none\n")
    done = start()
    assert done.returncode == 2 and "ssl_cert_reqs=required" in done.stderr, done.stderr
    (var / "broker_url").write_text(
        "rediss://:secret@site.example.invalid:6390/0?ssl_cert_reqs=required&ssl_ca_certs=broker-ca.crt\n")
    done = start()
    assert done.returncode == 2 and "broker-ca.crt" in done.stderr and "is missing" in done.stderr, done.stderr
