"""Benchmark: 50 simulated learners in the playground at once.

Starts a playground service on a socket of its own (the same process the worker starts in
production, the same socket protocol the site's views use), gives every learner a session
of its own on a lesson-sized dataset of the engine (PostgreSQL and MariaDB: the same two
tables and the same four statements), and has each run simple queries with a short think
time. Prints p50/p95/max round trip per query (client send to reply read) and the time to
open a session; then lets every session expire and checks that each one is gone (its
scratch database dropped, its sandbox files removed) within a small margin of its expiry,
never later.

    PYTHONPATH=. .venv/bin/python scripts/bench_playground.py [--learners 50] [--queries 20]
        [--engine postgres|redis|mongo|mariadb ...] [--rounds 1] [--ttl 5]

This machine is shared, so one figure says little: name several engines (``--engine
postgres --engine mariadb``) and each round runs them one after the other, each with a
service of its own, and prints every engine's figures as a ratio of the first one's in the
same round (``--rounds 3`` to see how much they move).

With ``--site URL`` it drives a running site instead, through its pages (log in, open a
lesson example's Try it, POST runs as the page does): the round trip then includes Django,
the session and rate-limit rows and the HTML. Accounts come from ``manage.py
create_load_learners --count 50 --password …``; keep under the per-minute limit with
``--think`` (or raise INDEXED_PLAYGROUND_RUNS_PER_MINUTE for the run).

    PYTHONPATH=. .venv/bin/python scripts/bench_playground.py --site http://127.0.0.1:8000 \
        --password … --lesson rel-select-basics --block 2 --think 2.5

Exit status 1 when p95 is above --target-ms (300) or a sandbox outlived its expiry.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INDEXED_SANDBOX_ROOT", "/dev/shm/indexed-bench-playground")

from labs.playground.common import Dataset  # noqa: E402
from labs.playground.service import Client  # noqa: E402

DATASETS = {
    "postgres": (
        Dataset(
            "postgres",
            (
                "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text);"
                "INSERT INTO customers SELECT g, 'customer ' || g, (ARRAY['Oslo','Lima','Pune'])[g % 3 + 1]"
                " FROM generate_series(1, 500) g;",
                "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric);"
                "INSERT INTO orders SELECT g, g % 500 + 1, (g * 7) % 100 FROM generate_series(1, 5000) g;",
            ),
        ),
        [
            "SELECT count(*) FROM orders WHERE total > 50",
            "SELECT name, city FROM customers WHERE id = 42",
            "SELECT c.city, sum(o.total) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.city",
            "UPDATE customers SET city = 'Rome' WHERE id = 7",
        ],
    ),
    "mariadb": (
        Dataset(
            "mariadb",
            (
                "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, city VARCHAR(20));"
                "INSERT INTO customers SELECT seq, CONCAT('customer ', seq), ELT(seq % 3 + 1, 'Oslo', 'Lima', 'Pune')"
                " FROM seq_1_to_500;",
                "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT,"
                " total DECIMAL(10, 2), FOREIGN KEY (customer_id) REFERENCES customers (id));"
                "INSERT INTO orders SELECT seq, seq % 500 + 1, (seq * 7) % 100 FROM seq_1_to_5000;",
            ),
        ),
        [
            "SELECT COUNT(*) FROM orders WHERE total > 50",
            "SELECT name, city FROM customers WHERE id = 42",
            "SELECT c.city, SUM(o.total) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.city",
            "UPDATE customers SET city = 'Rome' WHERE id = 7",
        ],
    ),
    "redis": (
        Dataset("redis", ("SET visits 0\nZADD board 10 ada 20 brian 30 chen",)),
        ["INCR visits", "ZRANGE board 0 -1 WITHSCORES", "GET visits"],
    ),
    "mongo": (
        Dataset("mongo", ('{"collections": {"orders": [{"who": "ada", "total": 5}, {"who": "bob", "total": 9}]}}',)),
        ['{"collection": "orders", "find": {"total": {"$gt": 6}}}'],
    ),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def learner(client: Client, engine: str, queries: int, think: float, ttl: float, out: dict, errors: list) -> None:
    dataset, texts = DATASETS[engine]
    session = secrets.token_hex(12)
    started = time.perf_counter()
    try:
        client.call("open", session=session, dataset=dataset.to_dict(), ttl=ttl)
    except Exception as exc:
        errors.append(f"open: {exc}")
        return
    out["open"].append((time.perf_counter() - started) * 1000)
    for number in range(queries):
        time.sleep(think * (0.5 + secrets.randbelow(100) / 100))
        text = texts[number % len(texts)]
        started = time.perf_counter()
        try:
            result = client.call("run", session=session, dataset=dataset.to_dict(), text=text, ttl=ttl)
        except Exception as exc:
            errors.append(f"run: {exc}")
            continue
        out["rtt"].append((time.perf_counter() - started) * 1000)
        if result.get("error"):
            errors.append(f"query error: {result['error']['message']}")
    out["last_used"][session] = time.monotonic()


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def site_learner(args: argparse.Namespace, number: int, out: dict, errors: list) -> None:
    """One learner through the site's pages, as a browser with htmx would send them."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def send(path: str, data: dict | None = None, referer: str = "") -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": args.site + (referer or path)}
        if data is not None:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(args.site + path, data=body, headers=headers)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.url

    name = f"loadtest-{number:04d}"
    _, page, _ = send("/accounts/login/")
    form = {"csrfmiddlewaretoken": CSRF.search(page).group(1), "username": name, "password": args.password}
    status, _, landed = send("/accounts/login/", form)
    if status != 200 or "/accounts/login/" in landed:
        errors.append(f"{name}: login failed ({status})")
        return
    started = time.perf_counter()
    status, page, landed = send(f"/lessons/{args.lesson}/playground/?block={args.block}")
    if status != 200 or "/playground/" not in landed:
        errors.append(f"{name}: no playground ({status})")
        return
    out["open"].append((time.perf_counter() - started) * 1000)
    path = urllib.parse.urlparse(landed).path
    csrf = CSRF.search(page).group(1)
    text = args.query
    for _ in range(args.queries):
        time.sleep(args.think * (0.5 + secrets.randbelow(100) / 100))
        started = time.perf_counter()
        status, html, _ = send(f"{path}run/", {"csrfmiddlewaretoken": csrf, "text": text, "action": "run"}, path)
        elapsed = (time.perf_counter() - started) * 1000
        if status == 200 and "playground-error" not in html:
            out["rtt"].append(elapsed)
        else:
            errors.append(f"{name}: run answered {status}")


def bench_site(args: argparse.Namespace) -> int:
    out: dict = {"rtt": [], "open": []}
    errors: list[str] = []
    threads = [threading.Thread(target=site_learner, args=(args, n, out, errors)) for n in range(1, args.learners + 1)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    rtt = out["rtt"]
    if not rtt:
        print("no query answered:", errors[:3])
        return 1
    p95 = percentile(rtt, 0.95)
    print(
        f"{args.learners} learners through {args.site}, {len(rtt)} runs in {wall:.1f} s: "
        f"round trip p50 {statistics.median(rtt):.1f} ms, p95 {p95:.1f} ms, max {max(rtt):.1f} ms; "
        f"Try it (open) p50 {statistics.median(out['open']):.0f} ms, p95 {percentile(out['open'], 0.95):.0f} ms"
    )
    if errors:
        print(f"{len(errors)} errors, e.g. {errors[:3]}")
    ok = p95 <= args.target_ms and not errors
    print("PASS" if ok else "FAIL", f"(target p95 <= {args.target_ms:.0f} ms, no errors)")
    return 0 if ok else 1


def bench_engine(args: argparse.Namespace, engine: str) -> dict | None:
    """One run on ``engine`` with a service of its own: its figures (``ok`` when it passes),
    or None when the service did not start or no query was answered."""
    socket_path = Path(tempfile.mkdtemp(prefix="bench-playground-")) / "playground.sock"
    service = subprocess.Popen(
        [sys.executable, "-m", "labs.playground", "serve", "--socket", str(socket_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    client = Client(socket_path, timeout=60)
    try:
        deadline = time.monotonic() + 20
        while not client.alive():
            if time.monotonic() > deadline:
                print("the playground service did not start")
                return None
            time.sleep(0.05)
        dataset, _ = DATASETS[engine]
        client.call("open", session="warmup00000", dataset=dataset.to_dict(), ttl=60)  # server + template
        client.call("drop", session="warmup00000")
        out: dict = {"rtt": [], "open": [], "last_used": {}}
        errors: list[str] = []
        work = (client, engine, args.queries, args.think, args.ttl, out, errors)
        threads = [threading.Thread(target=learner, args=work) for _ in range(args.learners)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        rtt, opened = out["rtt"], out["open"]
        if not rtt:
            print(f"{engine}: no query answered:", errors[:3])
            return None
        figures = {
            "p50": statistics.median(rtt),
            "p95": percentile(rtt, 0.95),
            "max": max(rtt),
            "open p50": statistics.median(opened),
            "open p95": percentile(opened, 0.95),
        }
        print(
            f"{args.learners} learners on {engine}, {len(rtt)} queries in {wall:.1f} s "
            f"({len(rtt) / wall:.0f}/s): round trip p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
            f"max {figures['max']:.1f} ms; session open p50 {figures['open p50']:.0f} ms, "
            f"p95 {figures['open p95']:.0f} ms"
        )
        if errors:
            print(f"{len(errors)} errors, e.g. {errors[:3]}")

        # Expiry: every session must be gone within grace of (last use + ttl), never later.
        sandboxes = set(client.call("sandboxes"))
        pending = dict(out["last_used"])
        late: list[float] = []
        while pending and time.monotonic() < max(pending.values()) + args.ttl + 10:
            live = {row["session"] for row in client.call("live")}
            now = time.monotonic()
            for session in [s for s in pending if s not in live]:
                late.append(max(0.0, now - (pending.pop(session) + args.ttl)) * 1000)
            time.sleep(0.02)
        leftovers = [p for p in sandboxes - set(client.call("sandboxes")) if Path(p).exists()]
        worst = max(late, default=0.0)
        outlived = bool(pending) or worst > args.grace_ms or bool(leftovers)
        print(
            f"expiry: {len(late)} sessions gone at most {worst:.0f} ms after their expiry; "
            f"{len(pending)} still alive; {len(leftovers)} removed sandboxes still on disk"
        )
        figures["ok"] = figures["p95"] <= args.target_ms and not outlived
        print(
            "PASS" if figures["ok"] else "FAIL",
            f"(target p95 <= {args.target_ms:.0f} ms, no sandbox outlives its expiry)",
        )
        return figures
    finally:
        service.terminate()
        service.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--queries", type=int, default=20, help="queries per learner")
    parser.add_argument("--think", type=float, default=0.5, help="mean seconds between a learner's queries")
    parser.add_argument(
        "--engine", choices=sorted(DATASETS), action="append", help="repeat to compare engines (default: postgres)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="run every engine this many times, in turn")
    parser.add_argument("--ttl", type=float, default=5.0, help="session expiry (idle seconds) for the expiry check")
    parser.add_argument("--target-ms", type=float, default=300.0)
    parser.add_argument("--grace-ms", type=float, default=500.0, help="how late an expired sandbox may still exist")
    parser.add_argument("--site", help="drive a running site at this URL instead of a service of our own")
    parser.add_argument("--password", default="", help="--site: the password of the loadtest-NNNN accounts")
    parser.add_argument("--lesson", default="rel-select-basics", help="--site: the lesson whose example is tried")
    parser.add_argument("--block", type=int, default=2, help="--site: which runnable example (1-based)")
    parser.add_argument("--query", default="SELECT 1", help="--site: what each run sends")
    args = parser.parse_args()
    if args.site:
        return bench_site(args)

    engines = args.engine or ["postgres"]
    ok = True
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"-- round {number}/{args.rounds}")
        results = {}
        for engine in engines:
            figures = bench_engine(args, engine)
            ok = ok and figures is not None and figures["ok"]
            results[engine] = figures
        first = engines[0]
        for engine in engines[1:]:
            if results[first] is None or results[engine] is None:
                continue
            ratios = ", ".join(
                f"{name} x{results[engine][name] / max(results[first][name], 0.001):.2f}"
                for name in ("p50", "p95", "max", "open p50")
            )
            print(f"{engine}/{first}: {ratios}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
