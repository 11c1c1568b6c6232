"""The production profile, started as an operator would (`scripts/serve.sh`, which `make serve`
runs): gunicorn, whitenoise, the site's own PostgreSQL, a password-protected broker, a Celery
worker and beat. A learner logs in over HTTP and gets a lab graded through the real worker; a
password guesser is locked out; the whole profile stops on SIGTERM leaving no process behind,
and comes back with the learner's submission still there."""

from __future__ import annotations

import http.cookiejar
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SOLUTION = (ROOT / "curriculum" / "labs" / "sql-top-customers" / "solution.sql").read_text()
PASSWORD = "smoke-test-password-9"
SCORE = re.compile(r"Score: <strong>([^<]+)</strong>")

pytestmark = pytest.mark.slow
# The database logins of the web's connections (gunicorn keeps them open between requests),
# each with whether it is a superuser. Asked as the site's owner, through manage.py.
WEB_DB_ROLES = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT DISTINCT a.usename, r.rolsuper FROM pg_stat_activity a"
                   " JOIN pg_roles r ON r.rolname = a.usename WHERE a.datname = current_database()"
                   " AND a.pid <> pg_backend_pid() AND a.usename <> 'indexed'")
    print(json.dumps(dict(cursor.fetchall())))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Profile:
    """One serve.sh run on its own var and site-database directories."""

    def __init__(self, base: Path, port: int):
        self.base, self.port = base, port
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))},
            "INDEXED_VAR_DIR": str(base / "var"),
            "INDEXED_SITE_DB_DIR": str(base / "site-db"),
            "INDEXED_PLAIN_HTTP": "1",
            "INDEXED_WEB_WORKERS": "2",
            "INDEXED_GRADE_WORKERS": "1",
            "PORT": str(port),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.base / f"serve-{time.monotonic_ns()}.log", "w") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve.sh exited early: {self.logs()}"
            try:
                health = json.loads(urllib.request.urlopen(self.url("/healthz"), timeout=5).read())
                if health["status"] == "ok" and health["workers"] >= 2:  # the quick and the heavy pool
                    return
            except (OSError, ValueError):
                pass
            time.sleep(1)
        raise AssertionError(f"the profile did not become healthy with a worker in 120 s: {self.logs()}")

    def stop(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=90)

    def manage(self, *args: str) -> str:
        env = {**self.env, "DJANGO_SETTINGS_MODULE": "apps.config.settings.prod"}
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.base.glob("serve-*.log")))

    def web_worker_accounts(self) -> dict[str, set[str]]:
        """The OS accounts gunicorn's master and its workers (those answering requests) run as."""
        gunicorn = {pid: proc_status(pid) for pid, cmdline in processes()
                    if "gunicorn" in cmdline and f":{self.port}" in cmdline}
        accounts: dict[str, set[str]] = {"master": set(), "workers": set()}
        for status in gunicorn.values():
            if status:  # a worker's parent is the master, with the same command line
                role = "workers" if int(status["PPid"]) in gunicorn else "master"
                accounts[role].add(pwd.getpwuid(int(status["Uid"].split()[1])).pw_name)  # the effective uid
        return accounts

    def leftovers(self) -> list[str]:
        """Processes still running that belong to this profile (by its directories or port)."""
        marks = (str(self.base), f":{self.port}")
        found = []
        lineage = own_lineage()  # the caller (pytest, or scripts/loadtest.py --base ...) is not a leftover
        for pid, cmdline in processes():
            if pid not in lineage and any(mark in cmdline for mark in marks) and "pytest" not in cmdline:
                found.append(cmdline)
        return found


def readable_by_others(*files: Path) -> bool:
    """Whether an account of no group of ours may read these files: every directory above
    each searchable by others, the file readable by others."""
    for file in files:
        if not os.stat(file).st_mode & stat.S_IROTH:
            return False
        if any(not os.stat(folder).st_mode & stat.S_IXOTH for folder in file.resolve().parents):
            return False
    return True


def proc_status(pid: int) -> dict[str, str]:
    """/proc/PID/status as a dict, empty when the process is gone."""
    try:
        return dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    except OSError:
        return {}


def processes() -> list[tuple[int, str]]:
    """Every process's pid and command line."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                found.append((int(proc.name), (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
            except OSError:
                continue
    return found


def own_lineage() -> set[int]:
    """This process and its ancestors."""
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        pid = int(proc_status(pid).get("PPid", "0"))  # 0 when it is gone: the walk ends
    return pids


class Browser:
    """Just enough of a browser: cookies, CSRF tokens from forms, no redirects hidden."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, dict]:
        try:
            with self.opener.open(self.profile.url(path), timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)

    def post(self, path: str, form_page: str, fields: dict) -> tuple[int, str, str]:
        page = self.get(form_page)[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        referer = {"Referer": self.profile.url(form_page)}
        request = urllib.request.Request(self.profile.url(path), data=data, headers=referer)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), exc.url

    def log_in(self, username: str, password: str) -> tuple[int, str, str]:
        return self.post("/accounts/login/", "/accounts/login/", {"username": username, "password": password})


@pytest.fixture
def serve_dir():
    # Not under pytest's tmp_path (0700, root's alone): the site database runs as its own OS
    # account, which must be able to reach its directory.
    base = Path(tempfile.mkdtemp(prefix="indexed-serve-", dir="/var/tmp"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_serve_grades_a_lab_throttles_logins_stops_cleanly_and_keeps_data(serve_dir):
    base = serve_dir
    profile = Profile(base, free_port())
    profile.start()
    try:
        learner = Browser(profile)
        status, home, headers = learner.get("/")
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        # whitenoise serves the stylesheet under its hashed name, cached for a long time
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', home).group(1)
        status, _, static_headers = learner.get(stylesheet)
        assert status == 200 and "max-age=315360000" in static_headers["Cache-Control"]

        create = f"from apps.accounts.models import User; User.objects.create_user('smoke', password='{PASSWORD}')"
        profile.manage("shell", "-c", create)
        status, _, landed = learner.log_in("smoke", PASSWORD)
        assert status == 200 and "/accounts/login/" not in landed
        status, _, submission_url = learner.post(
            "/labs/sql-top-customers/submit/", "/labs/sql-top-customers/", {"answer": SOLUTION, "action": "submit"}
        )
        assert status == 200 and "/submissions/" in submission_url, submission_url
        submission_path = urllib.parse.urlparse(submission_url).path
        deadline = time.monotonic() + 120
        while not (score := SCORE.search(page := learner.get(submission_path)[1])):
            assert time.monotonic() < deadline, f"no verdict in 120 s: {page[-2000:]}\n{profile.logs()}"
            time.sleep(1)
        assert score.group(1) == "100%", page

        load = drive_load_test(profile)  # the load test's own learners, as a small class would
        assert load["logged_in"] == 3 and load["submissions"] >= 3, load
        assert load["lost"] == 0 and load["responses_5xx"] == 0 and load["connection_errors"] == 0, load
        assert load["verdict_s"]["sql-top-customers"]["n"] >= 1, load

        if os.geteuid() == 0 and readable_by_others(ROOT / "manage.py", Path(os.__file__)):
            # requests are answered by the web's own account, never by root
            assert profile.web_worker_accounts() == {"master": {"root"}, "workers": {"indexed-web"}}, profile.logs()
        elif os.geteuid() == 0:  # a checkout others cannot reach: said plainly, and the site still works
            assert "gunicorn's workers run as ROOT until then" in profile.logs()
        # ... and logs in to the site database with rows only: never as its superuser
        roles = profile.manage("shell", "-c", WEB_DB_ROLES)
        assert json.loads(roles.strip().splitlines()[-1]) == {"indexed_web": False}, roles
        # ... which may still open the playground service's socket (the workers start the service)
        status, page, _ = learner.get("/labs/sql-top-customers/playground/")
        assert status == 200, page[-2000:]
        run_path = re.search(r'action="(/playground/[^/"]+/run/)"', page).group(1)
        session_path = run_path.removesuffix("run/")
        status, result, _ = learner.post(run_path, session_path, {"text": "SELECT 6 * 7 AS answer"})
        assert status == 200 and "answer" in result and "42" in result, result[-2000:]

        status, metrics, _ = learner.get("/metrics")  # from this machine: allowed
        assert status == 200
        assert re.search(r'indexed_verdict_seconds_bucket\{lab="sql-top-customers",le="\+Inf"\} [1-9]', metrics)
        assert re.search(r'indexed_grading_runs_total\{lab="sql-top-customers",outcome="graded"\} [1-9]', metrics)
        assert "django_http_requests_total_by_method_total" in metrics  # summed over the gunicorn workers

        guesser = Browser(profile)
        for _ in range(4):
            status, page, _ = guesser.log_in("smoke", "wrong-guess")
            assert status == 200 and "Please enter a correct username and password" in page
        status, page, _ = guesser.log_in("smoke", "wrong-guess")  # the fifth failure locks the pair
        assert status == 429 and "Too many failed logins" in page
        status, page, _ = guesser.log_in("smoke", PASSWORD)  # even the right password, once locked
        assert status == 429 and "Too many failed logins" in page
    finally:
        profile.stop()
    assert profile.leftovers() == [], "processes outlived serve.sh"

    profile.start()  # same directories: same database, same secret key (the session still works)
    try:
        status, page, _ = learner.get(submission_path)
        assert status == 200 and SCORE.search(page).group(1) == "100%"
    finally:
        profile.stop()
    assert profile.leftovers() == []


def drive_load_test(profile: Profile) -> dict:
    """scripts/loadtest.py against the running profile: three learners for 20 s, thinking 2-4 s."""
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import loadtest
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    profile.manage("create_load_learners", "--count", "3", "--password", PASSWORD)
    args = loadtest.parse_args(
        ["--url", profile.url("").rstrip("/"), "--password", PASSWORD, "--learners", "3", "--minutes", "0.34",
         "--ramp", "1", "--grace", "90", "--think", "2", "4", "--lab", "sql-top-customers"]
    )
    return loadtest.drive(args)


def test_deploy_check_is_clean_with_the_production_defaults(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INDEXED_PLAIN_HTTP"))}
    env.update(DJANGO_SETTINGS_MODULE="apps.config.settings.prod", INDEXED_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # the key it made is the site's alone
