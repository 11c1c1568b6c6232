"""Simulated learners against a running Indexed (the production profile, `make serve`).

Each learner logs in, then until the time is up: opens a lab page, submits an answer as the
page does, polls the verdict as the page does (htmx partial, every 400 ms), thinks 20-40 s
and goes again. At the end it waits for every verdict still out, then reports submissions,
lost ones (no verdict), 5xx responses, Submit->verdict p50/p95 per lab and the page p95.

    # accounts first (same environment as the profile: INDEXED_VAR_DIR, DATABASE_URL ...)
    DJANGO_SETTINGS_MODULE=apps.config.settings.prod INDEXED_VAR_DIR=var/serve \\
        .venv/bin/python manage.py create_load_learners --count 500 --password 'load-test-password'
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8080 --learners 500 --minutes 10 \\
        --password 'load-test-password' --mix quick        # run A; --mix heavy for run B

Not part of the test suite: it takes minutes and the machine's whole capacity.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "curriculum" / "labs"
QUICK = ["sql-top-customers", "schema-ecommerce", "nosql-redis-weekly-board-cache", "nosql-mongo-category-revenue"]
HEAVY = ["ops-pitr-order-items", "ops-reporting-standby", "ops-redis-cluster-cart-profile-tags"]
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
        self.errors: list[str] = []
        self.submitted = 0
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
            with self.opener.open(request, timeout=60) as response:
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
        status, page, _ = self.request("/accounts/login/")
        status, _, landed = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": self.form(page), "username": self.name_, "password": self.args.password},
            {"Referer": self.args.url + "/accounts/login/"},
        )
        if status != 200 or "/accounts/login/" in landed:
            with self.stats.lock:
                self.stats.errors.append(f"{self.name_}: login failed ({status})")
            return
        while time.monotonic() < self.args.end:
            lab = random.choice(self.labs)
            started = time.monotonic()
            status, page, _ = self.request(f"/labs/{lab}/")
            with self.stats.lock:
                self.stats.page_seconds.append(time.monotonic() - started)
            sent = time.monotonic()
            status, _, url = self.request(
                f"/labs/{lab}/submit/",
                {"csrfmiddlewaretoken": self.form(page), "answer": self.answers[lab], "action": "submit",
                 "token": str(uuid.uuid4())},
                {"Referer": self.args.url + f"/labs/{lab}/"},
            )
            if status == 429:
                with self.stats.lock:
                    self.stats.refused += 1
            elif status == 200 and "/submissions/" in url:
                path = urllib.parse.urlparse(url).path
                with self.stats.lock:
                    self.stats.submitted += 1
                    self.stats.outstanding[path] = (self.name_, lab, sent)
                self.await_verdict(path, lab, sent, until=self.args.end + self.args.grace)
            time.sleep(random.uniform(*self.args.think))

    def await_verdict(self, path: str, lab: str, sent: float, until: float) -> None:
        while time.monotonic() < until:
            status, page, _ = self.request(path, headers={"HX-Request": "true"})
            if status == 200 and VERDICT.search(page):
                with self.stats.lock:
                    self.stats.verdict_seconds[lab].append(time.monotonic() - sent)
                    self.stats.outstanding.pop(path, None)
                return
            time.sleep(0.4)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--password", required=True)
    parser.add_argument("--mix", choices=["quick", "heavy"], default="quick", help="quick: run A; heavy: run B")
    parser.add_argument("--ramp", type=float, default=60, help="seconds over which learners arrive")
    parser.add_argument("--grace", type=float, default=300, help="seconds to wait for verdicts after the end")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    args.think = (20.0, 40.0)
    args.end = time.monotonic() + args.minutes * 60
    answers = solutions()
    # Run B: one heavy lab in five, the rest quick, as a class near a deadline would mix them.
    labs = QUICK if args.mix == "quick" else QUICK * 4 + HEAVY
    missing = sorted({lab for lab in labs if lab not in answers})
    if missing:
        raise SystemExit(f"no solution file for {', '.join(missing)} under {LABS}")
    stats = Stats()
    learners = [Learner(f"loadtest-{n:04d}", args, labs, answers, stats) for n in range(1, args.learners + 1)]
    for learner in learners:
        learner.start()
    for learner in learners:
        learner.join()

    report = {
        "learners": args.learners,
        "minutes": args.minutes,
        "mix": args.mix,
        "submissions": stats.submitted,
        "lost": len(stats.outstanding),
        "responses_5xx": stats.status_5xx,
        "refused_429": stats.refused,
        "connection_errors": len(stats.errors),
        "page_p95_s": round(percentile(stats.page_seconds, 95), 3),
        "verdict_s": {
            lab: {"n": len(v), "p50": round(percentile(v, 50), 2), "p95": round(percentile(v, 95), 2)}
            for lab, v in sorted(stats.verdict_seconds.items())
        },
    }
    print(json.dumps(report, indent=2))
    for line in stats.errors[:10]:
        print("error:", line)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
