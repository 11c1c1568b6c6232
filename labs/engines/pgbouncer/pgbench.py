"""pgbench runs the platform drives, and what it reads from their output.

pgbench prints its totals on stdout (``number of transactions actually processed``, ``number of
failed transactions``, ``tps = ... (without initial connection time)``) and each client's fatal
error on stderr (``client 12 script 0 aborted in command 1 query 0: FATAL:  query_wait_timeout``,
or ``connection to server on socket "..." failed: FATAL: ...`` for a client that never got in).
A run is *clean* when it exits 0, no client aborted and no transaction failed.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labs.sandbox.base import SandboxDir, spawn_process

PROCESSED = re.compile(r"number of transactions actually processed: (\d+)")
FAILED = re.compile(r"number of failed transactions: (\d+)")
TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")
ABORTED = re.compile(r"client (\d+) script \d+ aborted in command \d+ query \d+: (.*)")
SOCKET_PREFIX = re.compile(r'connection to server (?:on socket "[^"]*"|at "[^"]*"[^:]*) failed: ')
NOISE = ("Run was aborted", "could not create connection for", "pgbench: fatal: ")


@dataclass
class PgbenchRun:
    """One pgbench run's outcome."""

    label: str
    clients: int
    seconds: float
    returncode: int = 0
    processed: int = 0
    failed: int = 0
    tps: float = 0.0
    aborted_clients: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # distinct message -> how many times
    wall_seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return self.returncode == 0 and not self.errors and self.failed == 0 and self.aborted_clients == 0

    def error_summary(self, limit: int = 3) -> str:
        parts = [f"{message} ({count}×)" if count > 1 else message for message, count in self.errors.items()]
        more = f" and {len(parts) - limit} other message(s)" if len(parts) > limit else ""
        return "; ".join(parts[:limit]) + more

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": self.clients, "seconds": self.seconds, "exit_code": self.returncode,
            "transactions": self.processed, "failed": self.failed, "tps": round(self.tps, 1),
            "aborted_clients": self.aborted_clients, "errors": dict(self.errors),
        }  # fmt: skip


def clean_message(text: str) -> str:
    """A pgbench/libpq error without the sandbox's paths and the doubled spaces after FATAL:."""
    text = SOCKET_PREFIX.sub("", text.strip())
    text = re.sub(r"\s+", " ", text).removeprefix("pgbench: error: ").strip()
    return text[:300]


def parse_output(run: PgbenchRun, stdout: str, stderr: str) -> PgbenchRun:
    if found := PROCESSED.search(stdout):
        run.processed = int(found.group(1))
    if found := FAILED.search(stdout):
        run.failed = int(found.group(1))
    if found := TPS.search(stdout):
        run.tps = float(found.group(1))
    errors: Counter[str] = Counter()
    aborted: set[int] = set()
    for line in stderr.splitlines():
        line = line.strip()
        if not line or any(noise in line for noise in NOISE):
            continue
        if found := ABORTED.search(line):
            aborted.add(int(found.group(1)))
            errors[clean_message(found.group(2))] += 1
        elif "error" in line.lower() or "FATAL" in line:
            errors[clean_message(line)] += 1
    if run.returncode != 0 and not errors:
        tail = [line for line in stderr.strip().splitlines() if line.strip()][-1:]
        errors[clean_message(tail[0]) if tail else f"pgbench exited with code {run.returncode}"] += 1
    run.aborted_clients = len(aborted)
    run.errors = dict(errors)
    return run


def pgbench_argv(
    pgbench: Path, *, host: Path, port: int, user: str, dbname: str, script: Path, clients: int, seconds: float,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """-n: the lab's tables are not pgbench's own, so no vacuum of pgbench_* first."""
    threads = max(1, min(2, clients))
    return [
        str(pgbench), "-n", "-h", str(host), "-p", str(port), "-U", user, "-c", str(clients), "-j", str(threads),
        "-T", f"{seconds:g}", "-f", str(script), *extra, dbname,
    ]  # fmt: skip


def run_pgbench(sandbox: SandboxDir, label: str, argv: list[str], clients: int, seconds: float, home: Path,
                timeout: float) -> PgbenchRun:
    """Run pgbench in the box; a run still going at ``timeout`` raises subprocess.TimeoutExpired."""
    return run_together(sandbox, {label: (argv, clients, seconds)}, home, timeout)[label]


def run_together(sandbox: SandboxDir, runs: dict[str, tuple[list[str], int, float]], home: Path, timeout: float
                 ) -> dict[str, PgbenchRun]:
    """Start every pgbench at once in the box and wait for all of them. The processes are started
    and recorded in the owner file from this thread only: the record is rewritten through one
    temporary file, so two threads recording at once would race on it. Raises
    subprocess.TimeoutExpired (naming the first run still going) once ``timeout`` has passed."""
    started = time.monotonic()
    processes: dict[str, subprocess.Popen] = {}
    outputs: dict[str, tuple[str, str]] = {}
    try:
        for label, (argv, _, _) in runs.items():
            processes[label] = spawn_process(argv, box=sandbox.box, env={"HOME": str(home)}, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True)
            sandbox.add_process(processes[label].pid)

        def collect(label: str) -> None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                outputs[label] = processes[label].communicate(timeout=timeout)

        threads = [threading.Thread(target=collect, args=(label,), name=f"pgbench-{label}") for label in processes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.pid in sandbox.pids:
                sandbox.pids.remove(process.pid)
        if processes:
            sandbox.record()
    late = [label for label in runs if label not in outputs]
    if late:
        raise subprocess.TimeoutExpired(runs[late[0]][0], timeout)
    results = {}
    for label, (_, clients, seconds) in runs.items():
        run = PgbenchRun(label=label, clients=clients, seconds=seconds, returncode=processes[label].returncode)
        run.wall_seconds = round(time.monotonic() - started, 2)
        results[label] = parse_output(run, *outputs[label])
    return results
