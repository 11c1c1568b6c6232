"""The ``roles`` check: what each database role can and cannot do once the answer has run.

The answer (GRANTs, REVOKEs, views, default privileges, row-level security policies) runs
first, as the learner. Then the platform **logs in as each named role** (a session whose
``session_user`` is that role, never ``SET ROLE`` from a superuser session, which learner code
could undo with ``RESET ROLE``) and runs probes, each in its own session and in a transaction
that is rolled back::

    [[checks]]
    type = "roles"
    roles = ["hr_analyst", "payroll_app"]   # the lab's roles (created by setup.sql): verified first
    later = "CREATE TABLE reports.q3 ..."   # optional: run as the owner after the answer, committed
    later_what = "next month's migration"   # how messages name it
    [[checks.probes]]
    role = "hr_analyst"
    sql = "SELECT count(*) FROM staff_directory"
    expect = "allowed"                      # every statement succeeds
    rows = [[40]]                           # optional: the last statement's rows (compared as text)
    why = "the analyst reads the directory view"
    [[checks.probes]]
    role = "hr_analyst"
    sql = "SELECT salary FROM staff"
    expect = "denied"                       # the last statement is refused (SQLSTATE 42501)
    on = "staff"                            # optional: by a privilege or policy on this relation

A ``denied`` probe counts only when the statements before the last succeed and the last is
refused by the server itself (insufficient_privilege, no PL/pgSQL context: a trigger that
raises 42501 is not a privilege), naming ``on`` when given. Before probing, each role must
still be an ordinary login role (no SUPERUSER, BYPASSRLS, CREATEROLE, REPLICATION) and a
member of no role but those listed in ``member_of``: an answer cannot widen a role's powers
outside the grants it is asked to write. Probes run in a random order.
"""

from __future__ import annotations

import random
from typing import Any

from labs.attempt import AnswerRejected
from labs.checks.pg_common import answer_failed
from labs.result import CheckResult
from labs.sandbox.pg_sql import split_statements
from labs.sandbox.postgres import VISIBLE, LearnerSqlError, PgAttempt
from labs.spec import CheckSpec

# Forced in every probe session: client options outrank role and database defaults.
PROBE_SETTINGS = (
    "-c default_transaction_read_only=off -c row_security=on -c default_transaction_isolation=read\\ committed"
)
INSUFFICIENT_PRIVILEGE = "42501"
EXPECTS = ("allowed", "denied")


class Problem(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


def check(attempt: PgAttempt, check_spec: CheckSpec) -> CheckResult:
    params = check_spec.params
    lab_hint = str(params.get("hint", ""))
    probes = list(params.get("probes") or [])
    for position, probe in enumerate(probes):
        if probe.get("expect") not in EXPECTS or not probe.get("role") or not probe.get("sql"):
            raise ValueError(
                f"lab {attempt.spec.id}: checks[{check_spec.index}].probes[{position}] needs role, sql and "
                f"expect = {' or '.join(EXPECTS)}"
            )
    outcome = attempt.apply_answer(VISIBLE)
    if not outcome.ok:
        return answer_failed(outcome, lab_hint, check_spec.name)
    roles = sorted({str(r) for r in params.get("roles", [])} | {str(p["role"]) for p in probes})
    problems = role_problems(attempt, roles, [str(r) for r in params.get("member_of", [])])
    if not problems and params.get("later"):
        problems = run_later(attempt, str(params["later"]), str(params.get("later_what", "")))
    records: list[dict[str, Any]] = [{} for _ in probes]
    if not problems:
        order = list(range(len(probes)))
        random.SystemRandom().shuffle(order)  # no answer can count on which probe comes first
        found: list[tuple[int, Problem]] = []
        for index in order:
            records[index], problem = run_probe(attempt, probes[index])
            if problem is not None:
                found.append((index, problem))
        problems = [problem for _, problem in sorted(found, key=lambda pair: pair[0])]
    artifacts: dict[str, Any] = {"probes": records}
    if problems:
        message = problems[0].message
        if len(problems) > 1:
            message += f" ({len(problems) - 1} more: " + " ".join(p.message for p in problems[1:3])
            message += " …)" if len(problems) > 3 else ")"
        artifacts["problems"] = [{"message": p.message, "hint": p.hint} for p in problems]
        hint = " ".join(h for h in (problems[0].hint, lab_hint) if h)
        return CheckResult(check_spec.name, False, message, hint, artifacts=artifacts)
    return CheckResult(
        check_spec.name,
        True,
        f"Logged in as {', '.join(roles)}: every role could do exactly what it should ({len(probes)} probes).",
        artifacts=artifacts,
    )


def role_problems(attempt: PgAttempt, roles: list[str], member_of: list[str]) -> list[Problem]:
    """The probe roles must be what the lab made them: plain login roles with no special
    attributes and no memberships beyond ``member_of`` (read from the catalogs as the admin)."""
    problems: list[Problem] = []
    with attempt.platform_work(), attempt.connect_admin(VISIBLE) as admin:
        for role in roles:
            row = admin.execute(
                "SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolreplication, "
                "ARRAY(SELECT g.rolname FROM pg_catalog.pg_auth_members m "
                "      JOIN pg_catalog.pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) "
                "FROM pg_catalog.pg_roles r WHERE r.rolname = %s",
                (role,),
            ).fetchone()
            if row is None:
                raise RuntimeError(f"lab {attempt.spec.id}: role {role} does not exist (setup.sql creates it)")
            login, superuser, bypass, createrole, replication, groups = row
            powers = [
                n
                for n, on in (
                    ("SUPERUSER", superuser),
                    ("BYPASSRLS", bypass),
                    ("CREATEROLE", createrole),
                    ("REPLICATION", replication),
                )
                if on
            ]
            if powers or not login:
                problems.append(
                    Problem(
                        f"Role {role} is no longer an ordinary login role ({', '.join(powers) or 'NOLOGIN'}).",
                        "Leave the roles' attributes alone: the task is done with GRANT, REVOKE, views and policies.",
                    )
                )
            extra = [g for g in groups if g not in member_of]
            if extra:
                problems.append(
                    Problem(
                        f"Role {role} has been made a member of {', '.join(extra)}, so it inherits that role's rights.",
                        "Grant privileges on the objects to the role itself, not membership in another role.",
                    )
                )
    return problems


def run_later(attempt: PgAttempt, sql: str, what: str) -> list[Problem]:
    """What the owner does after the answer (a migration creating a new table), run as the
    learner and committed, so probes can check the privileges new objects get by default."""
    outcome = attempt.run_script(sql)
    if outcome.error is None:
        return []
    return [
        Problem(
            f"After your script, the grader ran {what or 'a later statement'} as the owner, and it failed: "
            f"{_server_error(outcome.error)}",
            "Keep the schemas and tables the lab starts with: the grader needs them.",
        )
    ]


def run_probe(attempt: PgAttempt, probe: dict[str, Any]) -> tuple[dict[str, Any], Problem | None]:
    role, expect = str(probe["role"]), str(probe["expect"])
    statements = split_statements(str(probe["sql"]))
    why = f" ({probe['why']})" if probe.get("why") else ""
    shown = statements[-1].short(140) if statements else ""
    record: dict[str, Any] = {"role": role, "sql": str(probe["sql"]), "expected": expect}
    rows: list[list[str]] | None = None
    error: LearnerSqlError | None = None
    failed_at = 0
    remaining_ms = max(1, int(attempt.remaining() * 1000))
    options = f"-c statement_timeout={remaining_ms} {PROBE_SETTINGS}"
    with attempt.platform_work():
        conn = attempt.instance.connect(attempt.database(VISIBLE), role, options=options)
    with conn:
        try:
            with attempt.learner_call(), conn.transaction(force_rollback=True):
                for position, statement in enumerate(statements, 1):
                    failed_at = position
                    cur = attempt.execute_statement(conn, statement)
                    if position == len(statements) and cur.description is not None:
                        rows = [[_text(v) for v in r] for r in cur.fetchmany(200)]
        except LearnerSqlError as exc:
            error = exc
        except AnswerRejected as exc:
            # code from the answer (a view's function, a trigger) tried to escape while the
            # grader's probe ran: say so, instead of "Statement 1" as if the learner wrote it
            cause = str(exc.__cause__ or exc).strip().splitlines()[0]
            raise AnswerRejected(
                f"While the grader ran {shown} as {role}, code from your answer (a view, function or "
                f"trigger it uses) tried something the sandbox does not allow ({cause}). Remove it: "
                "the task needs only privileges, views and policies on the lab's own tables."
            ) from exc
    record["refused"] = error is not None
    if error is not None:
        record["error"] = _server_error(error)
    if rows is not None:
        record["rows"] = rows[:20]
    if expect == "allowed":
        if error is not None:
            return record, Problem(
                f"As {role}, this should work{why}, but Postgres refused it: "
                f"{statements[failed_at - 1].short(140)} — {_server_error(error)}",
                _allowed_hint(role, _server_error(error)),
            )
        wanted = probe.get("rows")
        if wanted is not None and rows != [[_text(v) for v in r] for r in wanted]:
            return record, Problem(
                f"As {role}, {shown} returned {_short_rows(rows)}; expected {_short_rows(wanted)}{why}.",
                "The statement ran, but the role sees other rows than it should: a view or a row-level "
                "security policy decides which rows each role sees.",
            )
        return record, None
    if error is None:
        return record, Problem(
            f"As {role}, this should have been refused{why}, but it succeeded: {shown}",
            f"Take the privilege away from {role} (REVOKE, or grant only what is needed), or let a policy refuse it.",
        )
    reason = _not_a_privilege_refusal(error, statements, failed_at, probe.get("on"))
    if reason:
        record["counted_as_refused"] = False
        return record, Problem(
            f"As {role}, this should have been refused by a privilege or a policy{why}, but {reason}: {shown}",
            "Refuse it with the privilege system (GRANT/REVOKE) or a row-level security policy; an error "
            "raised by a trigger or a function is not a permission.",
        )
    return record, None


def _allowed_hint(role: str, error: str) -> str:
    if "permission denied for schema" in error:
        return f"A role needs USAGE on a schema to reach anything inside it: GRANT USAGE ON SCHEMA … TO {role}."
    if "permission denied for sequence" in error:
        return f"A serial column's default calls nextval(): {role} needs USAGE on that sequence."
    if "row-level security" in error:
        return "A row-level security policy refused the row: check its WITH CHECK (or USING) expression."
    return (
        f"Grant {role} what this statement needs (the table or view, the columns), and check that a "
        "policy lets the row through."
    )


def _not_a_privilege_refusal(error: LearnerSqlError, statements: list[Any], failed_at: int, on: Any) -> str:
    if failed_at < len(statements):
        return f"statement {failed_at} of the probe, which should work, was refused first ({_server_error(error)})"
    if error.sqlstate != INSUFFICIENT_PRIVILEGE:
        return f"it failed with another error ({_server_error(error)})"
    diag = getattr(error.__cause__, "diag", None)
    if getattr(diag, "context", None):  # raised inside a function or trigger (PL/pgSQL context)
        return f"the refusal came from code in a function or trigger ({_server_error(error)})"
    text = str(getattr(diag, "message_primary", "") or "")
    if on and not (text.endswith(f" {on}") or f'"{on}"' in text or f" {on} " in text):
        return f"it was refused on another object, not on {on} ({_server_error(error)})"
    return ""


def _text(value: Any) -> str:
    return str(value)


def _short_rows(rows: Any) -> str:
    if rows is None:
        return "no rows"
    shown = ", ".join("(" + ", ".join(str(v) for v in r) + ")" for r in list(rows)[:4])
    return f"[{shown}{', …' if len(rows) > 4 else ''}] ({len(rows)} row{'s' if len(rows) != 1 else ''})"


def _server_error(error: LearnerSqlError) -> str:
    message = error.message
    return message[message.find("ERROR:") :] if "ERROR:" in message else message
