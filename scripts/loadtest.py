"""Simulated learners against a running Indexed (the production profile, `make serve`).

Each learner first signs in (spread over --ramp seconds; a class night starts with learners
already signed in, and the sign-in phase is reported apart: Django's PBKDF2 password check
costs about 0.3 CPU-s, so 500 sign-ins in a minute alone would need more than two cores).
Then, in the measured window, until the time is up: opens a lab page, submits an answer as
the page does (an htmx POST answered by the verdict fragment), polls that fragment as htmx
does (after the delay each fragment asks for: 400 ms at first, longer as the wait grows),
thinks 20-40 s (--think) and goes again. At the end it waits for every verdict still out,
then reports submissions, lost ones (no verdict), 5xx responses, Submit->verdict p50/p95 per
lab, the lab page's p50/p95/p99 and, with --serve, the CPU seconds per submission of each
tier (web, grading workers, site database, broker, the load client, the rest).

Against a profile you run yourself:

    # accounts first (same environment as the profile: INDEXED_VAR_DIR, DATABASE_URL ...)
    DJANGO_SETTINGS_MODULE=apps.config.settings.prod INDEXED_VAR_DIR=var/serve \\
        .venv/bin/python manage.py create_load_learners --count 500 --password 'load-test-password'
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8080 --learners 500 --minutes 10 \\
        --password 'load-test-password' --mix quick        # run A; --mix heavy for run B

Or let it start everything itself (`--serve`, as root): scripts/serve.sh on a fresh var and
site-database directory under --base, the accounts, the load, then the grading figures read
from the site database (queue wait, verdicts per minute and per host), the grading
processes' memory, and everything stopped and removed, checked with the process table.
`--worker-hosts 1` adds a second grading host: scripts/worker-host.sh in a network namespace
of its own reaching the database and the TLS broker over a veth link, as
tests/deploy/test_scale_out.py simulates one (on the same cores: it shows the deployment
works under load, not what a real second machine adds).

    PYTHONPATH=. .venv/bin/python scripts/loadtest.py --serve --learners 500 --minutes 3 \\
        [--worker-hosts 1] --json /tmp/run.json

Not part of the test suite: it takes minutes and the machine's whole capacity.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import pwd
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "curriculum" / "labs"
QUICK = ["sql-top-customers", "schema-ecommerce", "nosql-redis-weekly-board-cache", "nosql-mongo-category-revenue"]
HEAVY = ["ops-pitr-order-items", "ops-reporting-standby", "ops-redis-cluster-cart-profile-tags"]
POLL_DELAY = re.compile(r'hx-trigger="load delay:(\d+)ms"')
POLL_PATH = re.compile(r'hx-get="(/submissions/\d+/)"')
VERDICT = re.compile(r'class="score |class="status failed"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def solutions() -> dict[str, str]:
    """Lab id -> its reference answer, read from the lab folders."""
    found = {}
    for toml in LABS.glob("*/lab.toml"):
        lab_id = re.search(r'^id = "([^"]+)"', toml.read_text(), re.M).group(1)
        answer = next((p for p in toml.parent.glob("solution.*")), None)
        if answer:
            found[lab_id] = answer.read_text()
    return found


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.verdict_seconds: dict[str, list[float]] = defaultdict(list)
        self.page_seconds: list[float] = []
        self.status_5xx = 0
        self.refused = 0  # 429: the per-learner limits said no (counted, not an error)
        self.other_status: dict[str, int] = defaultdict(int)  # a page or submit neither 200 nor 429 nor 5xx
        self.errors: list[str] = []
        self.submitted = 0
        self.logged_in = 0
        self.login_seconds: list[float] = []
        self.login_failed = 0  # such a learner stops: each also has its failed request in errors
        self.outstanding: dict[str, tuple[str, str, float]] = {}  # submission path -> (learner, lab, sent at)


class Learner(threading.Thread):
    def __init__(self, name: str, args: argparse.Namespace, labs: list[str], answers: dict[str, str], stats: Stats):
        super().__init__(daemon=True)
        self.name_, self.args, self.labs, self.answers, self.stats = name, args, labs, answers, stats
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.args.url + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=self.args.timeout) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                with self.stats.lock:
                    self.stats.status_5xx += 1
            return exc.code, exc.read().decode(errors="replace"), exc.url
        except OSError as exc:
            with self.stats.lock:
                self.stats.errors.append(f"{path}: {exc}")
            return 0, "", ""

    def form(self, page: str) -> str:
        found = CSRF.search(page)
        return found.group(1) if found else ""

    def run(self) -> None:
        time.sleep(random.uniform(0, self.args.ramp))  # arrive over the ramp, not all at once
        try:
            signed_in = self.sign_in()
        except Exception as exc:  # counted, so the sign-in phase still ends
            with self.stats.lock:
                self.stats.login_failed += 1
                self.stats.errors.append(f"{self.name_}: sign-in crashed: {exc!r}")
            signed_in = False
        self.args.signed_in.wait()  # the measured window starts when everyone has tried
        if not signed_in:
            return
        time.sleep(random.uniform(0, self.args.think[1]))  # first answers spread like later ones
        self.work()

    def sign_in(self) -> bool:
        started = time.monotonic()
        status, page, _ = self.request("/accounts/login/")
        status, _, landed = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": self.form(page), "username": self.name_, "password": self.args.password},
            {"Referer": self.args.url + "/accounts/login/"},
        )
        with self.stats.lock:
            self.stats.login_seconds.append(time.monotonic() - started)
            if status != 200 or "/accounts/login/" in landed:
                self.stats.login_failed += 1
                self.stats.errors.append(f"{self.name_}: login failed ({status})")
                return False
            self.stats.logged_in += 1
        return True

    def work(self) -> None:
        while time.monotonic() < self.args.end:
            lab = random.choice(self.labs)
            started = time.monotonic()
            status, page, _ = self.request(f"/labs/{lab}/")
            with self.stats.lock:
                self.stats.page_seconds.append(time.monotonic() - started)
                if status not in (0, 200) and status < 500:
                    self.stats.other_status[f"page {status}"] += 1
            sent = time.monotonic()
            status, fragment, _ = self.request(
                f"/labs/{lab}/submit/",
                {"csrfmiddlewaretoken": self.form(page), "answer": self.answers[lab], "action": "submit",
                 "token": str(uuid.uuid4())},
                # htmx's request, as the lab page's form sends it: the verdict fragment comes back
                {"Referer": self.args.url + f"/labs/{lab}/", "HX-Request": "true"},
            )
            if status == 429:
                with self.stats.lock:
                    self.stats.refused += 1
            elif status not in (0, 200) and status < 500 or status == 200 and not POLL_PATH.search(fragment):
                with self.stats.lock:
                    self.stats.other_status[f"submit {status}"] += 1
            elif status == 200:
                path = POLL_PATH.search(fragment).group(1)
                with self.stats.lock:
                    self.stats.submitted += 1
                    self.stats.outstanding[path] = (self.name_, lab, sent)
                self.await_verdict(path, lab, sent, fragment, until=self.args.end + self.args.grace)
            time.sleep(random.uniform(*self.args.think))

    def await_verdict(self, path: str, lab: str, sent: float, fragment: str, until: float) -> None:
        """Poll as htmx does: each fragment says how long to wait before the next look."""
        status = 200
        while time.monotonic() < until:
            if status == 200 and VERDICT.search(fragment):
                with self.stats.lock:
                    self.stats.verdict_seconds[lab].append(time.monotonic() - sent)
                    self.stats.outstanding.pop(path, None)
                return
            delay = POLL_DELAY.search(fragment) if status == 200 else None
            time.sleep(int(delay.group(1)) / 1000 if delay else 0.4)
            status, fragment, _ = self.request(path, headers={"HX-Request": "true"})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


class ProcessSampler(threading.Thread):
    """Every few seconds: the resident memory of each host's grading processes (Celery
    workers, told apart by the var directory in their command line) and the load average."""

    def __init__(self, marks: dict[str, str], web_mark: str):
        super().__init__(daemon=True)
        self.marks, self.web_mark = marks, web_mark
        self.peak_total: dict[str, float] = defaultdict(float)
        self.peak_process: dict[str, float] = defaultdict(float)
        self.load: list[float] = []
        self.done = threading.Event()
        try:
            self.site_uid = pwd.getpwnam("indexed-site").pw_uid  # serve.sh's site database account
        except KeyError:
            self.site_uid = -1

    @staticmethod
    def rss_mb(pid: str) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def tier(self, cmdline: str, uid: int) -> tuple[str, str]:
        """Which part of the deployment a process belongs to ("" for none of ours) and, for
        Celery and the broker, on which host (told apart by the var directory in the command line)."""
        host = next((host for host, mark in self.marks.items() if mark in cmdline), "")
        if "gunicorn" in cmdline and self.web_mark in cmdline:
            return "web", "A"
        if "celery" in cmdline and host:
            return ("grading workers" if " worker " in cmdline else "beat"), host
        if uid == self.site_uid:
            return "site database", "A"
        if "redis-server" in cmdline and host:
            return "broker", host
        return "", ""

    def processes(self) -> Iterator[tuple[Path, str, str]]:
        """(its /proc directory, tier, host) for every process of the deployment but this one."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                tier, host = self.tier(cmdline, proc.stat().st_uid)
            except (OSError, ValueError):  # gone meanwhile
                continue
            if tier:
                yield proc, tier, host

    def sample(self) -> None:
        totals: dict[str, float] = defaultdict(float)
        for proc, tier, host in self.processes():
            if tier not in ("grading workers", "web"):
                continue
            group = f"{host} grading" if tier == "grading workers" else "A web"
            try:
                rss = self.rss_mb(proc.name)
            except (OSError, ValueError):
                continue
            totals[group] += rss
            self.peak_process[group] = max(self.peak_process[group], rss)
        for group, total in totals.items():
            self.peak_total[group] = max(self.peak_total[group], total)
        self.load.append(os.getloadavg()[0])

    def run(self) -> None:
        while not self.done.wait(5):
            self.sample()

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far per tier: each process's own time plus that of the children it
        has reaped (a grading worker's finished helpers, a database's closed backends), so a tick
        is counted once. Sandbox servers, the kernel and anything else fall in "the rest"."""
        tick = os.sysconf("SC_CLK_TCK")
        totals: dict[str, float] = defaultdict(float)
        for proc, tier, _ in self.processes():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            totals[tier] += sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
        own = os.times()
        totals["load client"] = own.user + own.system + own.children_user + own.children_system
        with open("/proc/stat") as stat:
            jiffies = [int(v) for v in stat.readline().split()[1:]]
        totals["machine"] = (sum(jiffies) - jiffies[3] - jiffies[4]) / tick  # all but idle and iowait
        return totals

    def start_cpu(self) -> None:
        self.cpu_start = self.cpu_seconds()

    def cpu_report(self, submissions: int) -> dict:
        """CPU seconds per submission by tier over the window (ratios hold on a shared machine)."""
        end = self.cpu_seconds()
        used = {g: max(0.0, end.get(g, 0.0) - self.cpu_start.get(g, 0.0)) for g in end}
        machine = used.pop("machine")
        used["the rest (sandbox servers, kernel, other)"] = max(0.0, machine - sum(used.values()))
        per = max(submissions, 1)
        return {
            "cpu_s_machine": round(machine, 1),
            "cpu_ms_per_submission": {g: round(1000 * v / per) for g, v in sorted(used.items())},
            "cpu_ms_per_submission_all": round(1000 * machine / per),
        }

    def report(self) -> dict:
        return {
            "rss_peak_mb": {
                g: {"all_processes": round(self.peak_total[g]), "largest_process": round(self.peak_process[g])}
                for g in sorted(self.peak_total)
            },
            "load_average_1m": {"mean": round(statistics.mean(self.load), 1) if self.load else None,
                                "max": round(max(self.load), 1) if self.load else None},
        }


def grading_figures(site, started: datetime, ended: datetime) -> dict:
    """What the site database says about the run's submissions (loadtest-* learners)."""
    mine = ("FROM grading_submission s JOIN accounts_user u ON u.id = s.user_id "
            "WHERE u.username LIKE 'loadtest-%%' AND s.created_at >= %s")
    waits = [row[0] for row in site.rows(
        f"SELECT extract(epoch FROM s.started_at - s.queued_at)::float {mine} AND s.started_at IS NOT NULL "
        "AND s.queued_at IS NOT NULL", started)]
    in_window = site.rows(f"SELECT count(*) {mine} AND s.finished_at BETWEEN %s AND %s", started, started, ended)[0][0]
    statuses = dict(site.rows(f"SELECT s.status, count(*) {mine} GROUP BY 1", started))
    wrong = site.rows(f"SELECT count(*) {mine} AND s.status = 'done' AND s.score < 1", started)[0][0]
    hosts = dict(site.rows(
        "SELECT split_part(r.worker, ':', 1), count(*) FROM grading_gradingrun r JOIN grading_submission s "
        "ON s.id = r.submission_id JOIN accounts_user u ON u.id = s.user_id WHERE u.username LIKE 'loadtest-%%' "
        "AND s.created_at >= %s AND r.applied GROUP BY 1", started))
    outcomes = dict(site.rows(
        "SELECT r.outcome, count(*) FROM grading_gradingrun r JOIN grading_submission s ON s.id = r.submission_id "
        "JOIN accounts_user u ON u.id = s.user_id WHERE u.username LIKE 'loadtest-%%' AND s.created_at >= %s "
        "GROUP BY 1", started))
    minutes = (ended - started).total_seconds() / 60
    return {
        "graded_per_minute_in_window": round(in_window / minutes, 1),
        "queue_wait_s": {q: round(percentile(waits, n), 1) for q, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "submission_status": statuses,
        "verdicts_below_full_score": wrong,
        "verdicts_by_host": hosts,
        "grading_runs_by_outcome": outcomes,
    }


def serve_and_drive(args: argparse.Namespace) -> dict:
    """Start the profile (and a second host), drive it, read the figures, stop and remove it all."""
    sys.path.insert(0, str(ROOT))
    from tests.deploy.test_scale_out import SecondHost, Site, health
    from tests.deploy.test_serve import Profile, free_port

    if os.geteuid() != 0:
        raise SystemExit("--serve needs root: serve.sh boxes sandboxes, a second host needs a network namespace")
    base = args.base or Path(tempfile.mkdtemp(prefix="indexed-load-", dir="/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)  # the site database's OS account must reach its directory
    profile = Profile(base, free_port())
    for knob in ("INDEXED_WEB_WORKERS", "INDEXED_GRADE_WORKERS"):
        profile.env.pop(knob)  # serve.sh's own sizing, as `make serve` has it
    profile.env.setdefault("INDEXED_SANDBOX_ROOT", f"/dev/shm/indexed-load-{os.getpid()}")
    host_b = SecondHost(base) if args.worker_hosts else None
    if host_b:
        profile.env.update(
            INDEXED_WORKER_NETWORK=f"{host_b.addr_b}/32", INDEXED_SITE_DB_LISTEN=host_b.addr_a,
            INDEXED_SITE_DB_PORT=str(free_port()), INDEXED_BROKER_LISTEN=host_b.addr_a,
            INDEXED_BROKER_PORT=str(free_port()),
        )
    marks = {"A": str(base / "var") + "/", **({"B": str(host_b.var) + "/"} if host_b else {})}
    sampler = ProcessSampler(marks, f":{profile.port}")
    report: dict = {"hosts": 1 + args.worker_hosts}
    try:
        if host_b:
            host_b.create()
        profile.start()
        wanted = 2
        if host_b:
            host_b.var.mkdir(mode=0o700)
            for name in ("database_url", "broker_url", "broker-ca.crt", "site-db-ca.crt"):
                shutil.copy(base / "var" / "worker-host" / name, host_b.var / name)
                (host_b.var / name).chmod(0o600)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
            env.update(INDEXED_VAR_DIR=str(host_b.var), INDEXED_SANDBOX_ROOT=str(host_b.sandbox_root))
            host_b.start(env)
            wanted = 4  # quick and heavy pools on each host
        deadline = time.monotonic() + 180
        while health(profile).get("workers", 0) < wanted:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {health(profile)} after 180 s")
            time.sleep(2)
        password = secrets.token_urlsafe(18)
        profile.manage("create_load_learners", "--count", str(args.learners), "--password", password)
        args.url, args.password = profile.url("").rstrip("/"), password
        sampler.start()
        started = datetime.now(UTC)
        args.window_started = sampler.start_cpu
        report.update(drive(args))
        ended = started + timedelta(minutes=args.minutes)
        sampler.done.set()
        report.update(sampler.cpu_report(report["submissions"]))
        report.update(grading_figures(Site(profile), started, ended))
        report.update(sampler.report())
    finally:
        sampler.done.set()
        if host_b:
            host_b.destroy()
        if profile.process is not None and profile.process.poll() is None:
            profile.stop()
        shutil.rmtree(profile.env["INDEXED_SANDBOX_ROOT"], ignore_errors=True)
    deadline = time.monotonic() + 20
    while (left := profile.leftovers() + (host_b.leftovers() if host_b else [])) and time.monotonic() < deadline:
        time.sleep(1)
    report["left_running_after_stop"] = left
    shutil.rmtree(base, ignore_errors=True)
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--password", default="", help="the learners' password (--serve makes one)")
    parser.add_argument("--mix", choices=["quick", "heavy"], default="quick", help="quick: run A; heavy: run B")
    parser.add_argument("--ramp", type=float, default=180,
                        help="seconds over which learners sign in (before the measured window)")
    parser.add_argument("--grace", type=float, default=420, help="seconds to wait for verdicts after the end")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds a learner waits for one response (a timed-out page counts this long)")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(20.0, 40.0), metavar=("MIN", "MAX"),
        help="seconds a learner thinks between answers (drawn evenly between the two)",
    )
    parser.add_argument("--lab", action="append", default=[], help="only this lab (repeatable), instead of --mix")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--serve", action="store_true", help="start (and afterwards stop) the profile itself")
    parser.add_argument("--worker-hosts", type=int, choices=[0, 1], default=0, help="with --serve: a second host")
    parser.add_argument("--base", type=Path, help="with --serve: the directory for its var and database (removed)")
    args = parser.parse_args(argv)
    if not args.serve and not args.password:
        parser.error("--password is required against a profile you started")
    return args


def drive(args: argparse.Namespace) -> dict:
    """Run the learners against args.url until the time is up and their verdicts are in."""
    answers = solutions()
    # Run B: one heavy lab in five, the rest quick, as a class near a deadline would mix them.
    labs = args.lab or (QUICK if args.mix == "quick" else QUICK * 4 + HEAVY)
    missing = sorted({lab for lab in labs if lab not in answers})
    if missing:
        raise SystemExit(f"no solution file for {', '.join(missing)} under {LABS}")
    stats = Stats()
    args.signed_in = threading.Event()
    args.end = float("inf")
    learners = [Learner(f"loadtest-{n:04d}", args, labs, answers, stats) for n in range(1, args.learners + 1)]
    sign_in_started = time.monotonic()
    for learner in learners:
        learner.start()
    while True:  # the sign-in phase: not part of the measured window
        with stats.lock:
            tried = stats.logged_in + stats.login_failed
        if tried == args.learners:
            break
        time.sleep(0.2)
    sign_in_seconds = time.monotonic() - sign_in_started
    args.end = time.monotonic() + args.minutes * 60
    if getattr(args, "window_started", None):
        args.window_started()
    args.signed_in.set()
    for learner in learners:
        learner.join()
    return {
        "learners": args.learners,
        "minutes": args.minutes,
        "mix": args.mix,
        "logged_in": stats.logged_in,
        "login_failed": stats.login_failed,
        "sign_in_phase_s": round(sign_in_seconds, 1),
        "login_s": {q: round(percentile(stats.login_seconds, n), 2) for q, n in (("p50", 50), ("p95", 95))},
        "submissions": stats.submitted,
        "lost": len(stats.outstanding),
        "responses_5xx": stats.status_5xx,
        "refused_429": stats.refused,
        "connection_errors": len(stats.errors) - stats.login_failed,  # requests that got no answer
        "other_responses": dict(stats.other_status),
        "first_errors": stats.errors[:10],
        "page_s": {q: round(percentile(stats.page_seconds, n), 3) for q, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "verdict_s": {
            lab: {"n": len(v), "p50": round(percentile(v, 50), 2), "p95": round(percentile(v, 95), 2)}
            for lab, v in sorted(stats.verdict_seconds.items())
        },
    }


def main() -> None:
    args = parse_args()
    report = serve_and_drive(args) if args.serve else drive(args)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
