"""The production-setup project's TLS and authentication criterion: a primary in a box started
with the learner's TLS and password settings, their pg_hba.conf and a certificate the platform
makes, then psql inside the box connecting over TCP with and without TLS, with a wrong password,
as a role whose password is still an md5 hash, and for replication."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from typing import Any

from labs.engines.postgres import cluster as pg
from labs.engines.postgres.settings import PG_BIN
from labs.projects.env_pg import PlatformFault
from labs.projects.operations import OpsProjectEnv, parse_conf
from labs.projects.pg_common import Award, text_of
from labs.projects.spec import Criterion
from labs.sandbox import base

# What a learner's postgresql.conf may set here; the platform owns the certificate files.
TLS_SETTINGS = ("ssl", "ssl_min_protocol_version", "ssl_max_protocol_version", "ssl_ciphers",
                "ssl_prefer_server_ciphers", "ssl_ecdh_curve", "password_encryption")  # fmt: skip
PASSWORDS = {"app_rw": "app-rw-Secret-1", "app_report": "app-report-Secret-2", "replicator": "replicator-Secret-3"}


@dataclass
class Attempt:
    accepted: bool
    output: str


def _tls_server(env: OpsProjectEnv, handin: dict[str, bytes], options: dict[str, Any]) -> dict[str, Any]:
    conf, problems = parse_conf(text_of(handin, options["config"]) or "")
    chosen = {k: v for k, v in conf.items() if k in TLS_SETTINGS}
    hba = text_of(handin, options["hba"]) or ""
    for placeholder in options.get("address_placeholders", []):
        hba = hba.replace(placeholder, "127.0.0.1/32")
    sandbox = base.make_sandbox_dir("pg-project-tls")
    env.stack.callback(base.remove_sandbox_dir, sandbox)
    cluster = pg.Cluster(sandbox)
    env.stack.callback(cluster.close)
    primary = cluster.add_instance("primary")
    tls = cluster.make_dir("tls")
    key, cert = tls / "server.key", tls / "server.crt"
    made = subprocess.run(
        ["openssl", "req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=127.0.0.1",
         "-newkey", "rsa:2048", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        raise PlatformFault(f"the platform could not make a certificate: {made.stderr[-200:]}")
    key.chmod(0o600)
    base.chown_to_sandbox_user(tls)  # (it walks a directory; a file alone would be skipped)
    hba_file = tls / "pg_hba.conf"
    # the platform's own superuser on the private socket comes first; then the learner's rules
    hba_file.write_text(f"local all {pg.SUPERUSER} trust\n{hba}\n")
    base.chown_to_sandbox_user(tls)
    settings = {**chosen, "ssl_cert_file": str(cert), "ssl_key_file": str(key), "hba_file": str(hba_file)}
    state: dict[str, Any] = {"cluster": cluster, "primary": primary, "settings": chosen, "problems": problems,
                             "ignored": sorted(set(conf) - set(TLS_SETTINGS))}  # fmt: skip
    cluster.launch(primary, settings)
    try:
        started = cluster.wait_until_ready(primary, time.monotonic() + 30)
    except TimeoutError:
        started = False
    if not started:
        state["start_error"] = "; ".join(primary.fatal_lines()) or primary.log_tail(3)
        return state
    with primary.connect() as conn:
        conn.execute("CREATE DATABASE payroll")
        for role in ("app_rw", "replicator"):  # stored as the learner's password_encryption says
            extra = " REPLICATION" if role == "replicator" else ""
            conn.execute(f"CREATE ROLE {role} LOGIN{extra} PASSWORD '{PASSWORDS[role]}'")
        state["live"] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('ssl', 'password_encryption')"
            ).fetchall()
        )
        conn.execute("SET password_encryption = 'md5'")  # a legacy hash, from before the migration to SCRAM
        conn.execute(f"CREATE ROLE app_report LOGIN PASSWORD '{PASSWORDS['app_report']}'")
        state["app_rw_hash"] = conn.execute(
            "SELECT left(rolpassword, 13) FROM pg_authid WHERE rolname = 'app_rw'"
        ).fetchone()[0]
    state["started"] = True
    return state


def _connect(
    env: OpsProjectEnv, state: dict[str, Any], user: str, password: str, sslmode: str, replication: bool = False
) -> Attempt:
    """psql inside the box, over TCP to 127.0.0.1, as a client of the server would connect."""
    primary, cluster = state["primary"], state["cluster"]
    target = f"host=127.0.0.1 port={primary.port} user={user} sslmode={sslmode} connect_timeout=5"
    target += " dbname=postgres replication=true" if replication else " dbname=payroll"
    query = "IDENTIFY_SYSTEM" if replication else "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    environment = {"PGPASSWORD": password, "HOME": str(cluster.sandbox.path),
                   "PATH": f"{PG_BIN}:/usr/local/bin:/usr/bin:/bin"}  # fmt: skip
    process = base.spawn_process([str(PG_BIN / "psql"), "-X", "-At", "-d", target, "-c", query],
                                 box=cluster.sandbox.box, env=environment, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=str(cluster.sandbox.path))  # fmt: skip
    cluster.sandbox.add_process(process.pid)
    try:
        out, err = process.communicate(timeout=min(20.0, env.remaining()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return Attempt(False, "the connection attempt hung for 20 s")
    text = (err or out or "").strip().replace("\n", " ")
    return Attempt(process.returncode == 0, text[-240:])


def check_tls_auth(env: OpsProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    state = _tls_server(env, handin, criterion.options)
    details: dict[str, Any] = {"settings_applied": state["settings"], "settings_ignored": state["ignored"]}
    if state["problems"]:
        details["config_problems"] = state["problems"]
    if not state.get("started"):
        return Award(
            0,
            f"The server did not start with your TLS settings and pg_hba.conf: {state['start_error']}. "
            "Check pg_hba.conf line by line (type, database, user, address, method).",
            details,
        )
    pw = PASSWORDS
    tries = {
        "app_rw over TLS": _connect(env, state, "app_rw", pw["app_rw"], "require"),
        "app_rw without TLS": _connect(env, state, "app_rw", pw["app_rw"], "disable"),
        "app_rw over TLS with a wrong password": _connect(env, state, "app_rw", "not-the-password", "require"),
        "app_report (password stored as md5) over TLS": _connect(env, state, "app_report", pw["app_report"], "require"),
        "replicator replicating over TLS": _connect(env, state, "replicator", pw["replicator"], "require", True),
        "replicator replicating without TLS": _connect(env, state, "replicator", pw["replicator"], "disable", True),
        "app_rw opening a replication connection": _connect(env, state, "app_rw", pw["app_rw"], "require", True),
    }
    details["connections"] = {name: {"accepted": t.accepted, "output": t.output} for name, t in tries.items()}
    details["live"], details["app_rw_password_hash"] = state["live"], state["app_rw_hash"]
    first = tries["app_rw over TLS"]
    if not (first.accepted and first.output.startswith("t")):
        return Award(0, "Expected app_rw to connect over TLS from the application network with its password "
                        f"(scram-sha-256); it was refused: {first.output}. Nothing else counts until the application "
                        "can get in: check ssl = on, a hostssl line for app_rw, and password_encryption = "
                        "'scram-sha-256' (app_rw's password was stored as "
                        f"{state['app_rw_hash'] or 'nothing'}…).", details)  # fmt: skip
    # (connections, the accepted/refused each should be, points, what to try); a group scores only
    # when all of it is right, so refusals that follow from refusing everything earn nothing alone
    rules = [
        (["app_rw without TLS"], [False], 5, "use hostssl lines only and end with a reject rule"),
        (["app_rw over TLS with a wrong password"], [False], 1, "no trust method: scram-sha-256 everywhere"),
        (["app_report (password stored as md5) over TLS"], [False], 2,
         "the method must be scram-sha-256, not md5 (md5 accepts a legacy md5 hash)"),
        (["replicator replicating over TLS", "replicator replicating without TLS",
          "app_rw opening a replication connection"], [True, False, False], 2,
         "a hostssl replication line for replicator only, from the standby's address"),
    ]  # fmt: skip
    earned, notes = 0.0, []
    for names, wanted, points, hint in rules:
        wrong = [(name, want) for name, want in zip(names, wanted, strict=True) if tries[name].accepted != want]
        if not wrong:
            earned += points
        for name, want in wrong:
            seen = tries[name]
            notes.append(
                f"expected {name} to be {'accepted' if want else 'refused'}, it was "
                f"{'accepted' if seen.accepted else 'refused'} ({seen.output or 'no message'}): {hint}"
            )
    if not notes:
        return Award(criterion.points, "app_rw connects over TLS with scram-sha-256; connections without TLS, with a "
                     "wrong password or an md5 password hash are refused; only replicator replicates, over TLS only.",
                     details)  # fmt: skip
    return Award(round(criterion.points * earned / 10, 2), "; ".join(notes) + ".", details)
