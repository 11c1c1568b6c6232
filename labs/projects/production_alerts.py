"""The production-setup project's "alerts fire" criterion: a primary in a box, the learner's
alert queries (``-- alert: <name>`` blocks of monitoring/alerts.sql, thresholds in psql ``\\set``
lines) run as a ``pg_monitor`` role on a healthy server, then after each fault the platform
stages: an abandoned replication slot, a transaction left open, a lock chain, a failing
archive_command and connections close to max_connections. Time and size thresholds are scaled
down to what a sandbox can stage in seconds (the brief says so)."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

from labs.engines.postgres import cluster as pg
from labs.engines.postgres.settings import GRADER_SEARCH_PATH
from labs.projects.env_pg import PlatformFault
from labs.projects.operations import OpsProjectEnv
from labs.projects.pg_common import Award, text_of
from labs.projects.spec import Criterion
from labs.sandbox import base
from labs.sandbox.pg_sql import ScriptError, split_statements, substitute_variables

MARKER = re.compile(r"^\s*--\s*alert:\s*([a-z_][a-z0-9_]*)\s*$", re.M | re.I)
SET_LINE = re.compile(r"^\s*\\set\s+([A-Za-z_][A-Za-z0-9_]*)\s+(\S+)\s*$", re.M)
MONITOR = "pgmon"
MAX_CONNECTIONS = 30


def parse_alerts(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """(alert name -> its SQL, psql variables from ``\\set`` lines)."""
    variables = {name: value.strip("'") for name, value in SET_LINE.findall(text)}
    body = SET_LINE.sub("", text)
    marks = list(MARKER.finditer(body))
    alerts = {}
    for number, mark in enumerate(marks):
        end = marks[number + 1].start() if number + 1 < len(marks) else len(body)
        alerts[mark.group(1).lower()] = body[mark.end() : end]
    return alerts, variables


def _monitor(primary: pg.Instance) -> psycopg.Connection:
    return psycopg.connect(host=str(primary.socket_dir), port=primary.port, user=MONITOR, dbname="payroll",
                           autocommit=True, connect_timeout=5, options="-c statement_timeout=5000")  # fmt: skip


def run_alerts(
    env: OpsProjectEnv, primary: pg.Instance, alerts: dict[str, str], variables: dict[str, str]
) -> dict[str, str]:
    """Each alert's verdict: 'fired' (rows), 'quiet' (no rows) or the error it raised."""
    verdicts = {}
    with _monitor(primary) as conn:
        for name, text in alerts.items():
            env.remaining()  # a file of slow queries runs out the project's time, not ours
            try:
                statements = split_statements(substitute_variables(text, variables))
                if not statements:
                    verdicts[name] = "error: the block has no query"
                    continue
                with conn.transaction(force_rollback=True):
                    cur = None
                    for statement in statements:
                        cur = conn.execute(statement.text)
                    rows = cur.fetchmany(50) if cur is not None and cur.description else []
                verdicts[name] = "fired" if rows else "quiet"
            except (psycopg.Error, ScriptError) as exc:
                message = getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)
                verdicts[name] = f"error: {str(message)[:160]}"
    return verdicts


def _start(env: OpsProjectEnv) -> pg.Instance:
    sandbox = base.make_sandbox_dir("pg-project-alerts")
    env.stack.callback(base.remove_sandbox_dir, sandbox)
    cluster = pg.Cluster(sandbox)
    env.stack.callback(cluster.close)
    primary = cluster.add_instance("primary")
    try:
        cluster.start(primary, {"archive_mode": "on", "max_connections": str(MAX_CONNECTIONS)})
    except Exception as exc:
        raise PlatformFault(f"the monitoring server did not start: {exc}") from exc
    with primary.connect() as conn:
        # in postgresql.auto.conf, not on the command line, so the archiver fault can change it
        conn.execute("ALTER SYSTEM SET archive_command = 'true'")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CREATE DATABASE payroll")
        conn.execute(f"CREATE ROLE {MONITOR} LOGIN IN ROLE pg_monitor")
    with primary.connect("payroll") as conn:
        conn.execute("CREATE TABLE public.payslips (id int PRIMARY KEY, gross numeric NOT NULL)")
        conn.execute("INSERT INTO public.payslips SELECT g, 2500 FROM generate_series(1, 100) g")
        conn.execute(f"GRANT SELECT ON public.payslips TO {MONITOR}")
    return primary


def _platform(primary: pg.Instance, autocommit: bool = True) -> psycopg.Connection:
    """A superuser session with no lock_timeout: the staged faults must wait as long as they need."""
    return psycopg.connect(primary.conninfo("payroll"), autocommit=autocommit, connect_timeout=5,
                           options=f"{GRADER_SEARCH_PATH} -c statement_timeout=60000")  # fmt: skip


def _write_wal(primary: pg.Instance, segments: int) -> None:
    with primary.connect("payroll") as conn:
        for _ in range(segments):
            conn.execute("UPDATE public.payslips SET gross = gross + 1 WHERE id = 1")
            conn.execute("SELECT pg_switch_wal()")


@contextlib.contextmanager
def abandoned_slot(primary: pg.Instance) -> Iterator[None]:
    with primary.connect() as conn:
        conn.execute("SELECT pg_create_physical_replication_slot('old_standby', true)")
    _write_wal(primary, 24)  # 1 MB segments: about 24 MB retained
    yield
    with primary.connect() as conn:
        conn.execute("SELECT pg_drop_replication_slot('old_standby')")


@contextlib.contextmanager
def open_transaction(primary: pg.Instance, seconds: float) -> Iterator[None]:
    with _platform(primary, autocommit=False) as conn:
        conn.execute("SELECT txid_current()")
        time.sleep(seconds)
        yield
        conn.rollback()


@contextlib.contextmanager
def lock_chain(primary: pg.Instance, seconds: float) -> Iterator[None]:
    with _platform(primary, autocommit=False) as holder:
        holder.execute("UPDATE public.payslips SET gross = gross WHERE id = 7")
        waiters = [threading.Thread(target=_wait_on_row, args=(primary,), daemon=True) for _ in range(2)]
        for waiter in waiters:
            waiter.start()
        time.sleep(seconds)
        yield
        holder.rollback()
        for waiter in waiters:
            waiter.join(10)


def _wait_on_row(primary: pg.Instance) -> None:
    with contextlib.suppress(psycopg.Error), _platform(primary) as conn:
        conn.execute("UPDATE public.payslips SET gross = gross WHERE id = 7")


@contextlib.contextmanager
def failing_archiver(primary: pg.Instance) -> Iterator[None]:
    with primary.connect() as conn:
        conn.execute("ALTER SYSTEM SET archive_command = 'false'")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.3)
    _write_wal(primary, 1)
    deadline = time.monotonic() + 15
    with primary.connect() as conn:
        failed = "SELECT failed_count FROM pg_stat_archiver"
        while time.monotonic() < deadline and not conn.execute(failed).fetchone()[0]:
            time.sleep(0.2)
    yield
    with primary.connect() as conn:
        conn.execute("ALTER SYSTEM SET archive_command = 'true'")
        conn.execute("SELECT pg_reload_conf()")


@contextlib.contextmanager
def many_connections(primary: pg.Instance) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for _ in range(MAX_CONNECTIONS - 5):  # with the monitor's own session: 26 of 30, 87 %
            stack.enter_context(_platform(primary))
        yield


def check_alerts_fire(env: OpsProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    options = criterion.options
    alerts, variables = parse_alerts(text_of(handin, options["alerts"]) or "")
    variables.update({str(k): str(v) for k, v in options.get("scaled", {}).items()})
    graded = [str(name) for name in options["faults"]]
    details: dict[str, Any] = {"alerts_found": sorted(alerts), "variables": variables}
    missing = [name for name in graded if name not in alerts]
    primary = _start(env)
    pause = float(options.get("age_seconds", 3))
    faults: dict[str, Callable[[], Any]] = {
        "inactive_slot": lambda: abandoned_slot(primary),
        "long_transaction": lambda: open_transaction(primary, pause),
        "blocked_locks": lambda: lock_chain(primary, pause),
        "archiver_failing": lambda: failing_archiver(primary),
        "connection_saturation": lambda: many_connections(primary),
    }
    _write_wal(primary, 2)  # a healthy archiver has archived something
    healthy = run_alerts(env, primary, alerts, variables)
    noisy = sorted(name for name in graded if healthy.get(name) == "fired")
    errors = {name: healthy[name] for name in graded if healthy.get(name, "").startswith("error")}
    details["healthy"] = healthy
    caught, notes = [], []
    for name in graded:
        env.remaining()
        if name in missing:
            continue
        with faults[name]():
            verdict = run_alerts(env, primary, {name: alerts[name]}, variables)[name]
        details[f"during {name}"] = verdict
        if verdict == "fired":
            caught.append(name)
        else:
            notes.append(f"with the fault staged, alert {name} should fire but was {verdict}")
    if missing:
        notes.insert(0, f"no '-- alert: <name>' block for {', '.join(missing)}")
    if errors:
        notes.append("on the healthy server these failed: " + "; ".join(f"{n}: {v}" for n, v in errors.items()))
    if noisy:
        notes.append(f"on the healthy server {', '.join(noisy)} fired (an alert firing with nothing wrong is noise)")
    # the quiet-when-healthy share is earned in proportion to the faults caught: an empty file is quiet too
    share, quiet = len(caught) / len(graded), float(options.get("healthy_points", 5))
    points = (criterion.points - quiet) * share + (quiet * share if not noisy and not errors else 0.0)
    if not notes:
        return Award(criterion.points, f"On a healthy server none of your alerts fired; each staged fault "
                     f"({', '.join(graded)}) tripped its alert.", details)  # fmt: skip
    return Award(round(points, 2), "; ".join(notes) + ". Run each alert query yourself with the fault staged.", details)
