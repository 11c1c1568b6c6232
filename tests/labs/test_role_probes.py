"""The ``roles`` check against a real server: the grader logs in as each lab role and probes
what it can and cannot do, and an answer cannot fake a refusal or widen a role."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labs.engines.postgres.settings import ADMIN_USER
from labs.result import GRADED
from labs.runner import grade
from labs.spec import load_spec

EXERCISES = Path(__file__).resolve().parents[2] / "curriculum" / "exercises" / "operations"
GRANTS = EXERCISES / "hr-directory-grants"
TENANTS = EXERCISES / "tenant-row-security"


def _probes(result) -> list[dict]:
    return result.checks[0].artifacts["probes"]


def test_solutions_pass_and_every_probe_ran_as_its_role():
    for folder in (GRANTS, TENANTS):
        spec = load_spec(folder)
        result = grade(spec, spec.solution_path.read_text())
        assert result.status == GRADED and result.score == 1.0, result.to_dict()
        assert all(p["refused"] == (p["expected"] == "denied") for p in _probes(result))


def test_probes_log_in_as_the_role_so_learner_code_sees_that_session_user():
    spec = load_spec(GRANTS)
    # the directory's e-mail column shows who runs the query: a superuser session that had only
    # SET ROLE would show the platform's admin here, and learner code could RESET ROLE to it
    answer = (
        "CREATE VIEW staff_directory AS SELECT id, full_name, department, session_user::text AS email "
        "FROM employees;\nGRANT SELECT ON staff_directory TO hr_analyst;"
    )
    result = grade(spec, answer)
    row = next(p for p in _probes(result) if "WHERE id = 7" in p["sql"] and p["role"] == "hr_analyst")
    assert row["rows"] == [["7", "Hal Moreau 7", "Engineering", "hr_analyst"]]
    assert result.score == 0.0 and "hr_analyst" in result.checks[0].message


def test_learner_code_in_a_probe_cannot_switch_to_a_privileged_role():
    spec = load_spec(GRANTS)
    answer = f"""
CREATE FUNCTION escalate() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('role', '{ADMIN_USER}', true);
    RETURN current_user;
END $$;
CREATE VIEW staff_directory AS SELECT id, full_name, department, escalate() AS email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
"""
    result = grade(spec, answer)
    # the probe session is hr_analyst's own, so the switch fails; the platform treats the
    # attempt to reach its admin role as an escape and refuses the whole answer
    assert result.score == 0.0 and result.status == "rejected", result.to_dict()
    assert "tried something the sandbox does not allow (permission denied to set role" in result.message
    # probes run in a random order: whichever reads the view first trips it
    assert result.message.startswith("While the grader ran SELECT ") and " FROM staff_directory" in result.message
    assert " as hr_analyst, code from your answer" in result.message


def test_a_trigger_raising_permission_denied_is_not_a_privilege():
    spec = load_spec(GRANTS)
    result = grade(spec, (GRANTS / "wrong" / "trigger_instead_of_revoke.sql").read_text())
    assert result.score == 0.0
    assert "the refusal came from code in a function or trigger" in result.checks[0].message
    assert "DELETE FROM timesheets" in result.checks[0].message


def test_altering_a_role_is_refused_before_anything_runs():
    spec = load_spec(TENANTS)
    for statement in (
        "ALTER ROLE portal_app BYPASSRLS;",
        "ALTER ROLE learner SUPERUSER;",
        "GRANT learner TO portal_app;",
    ):
        result = grade(spec, statement + "\n" + spec.solution_path.read_text())
        assert result.score == 0.0, statement
        assert result.status != GRADED or "must" in result.checks[0].message, result.to_dict()


def test_a_role_with_bypassrls_is_caught_even_if_policies_look_right(tmp_path):
    # a copy of the tenant exercise whose role (a name of its own, roles are cluster-wide)
    # has BYPASSRLS: the policy is skipped for it, and the check says why before probing
    lab = tmp_path / "bypass"
    shutil.copytree(TENANTS, lab)
    for name in ("setup.sql", "lab.toml", "solution.sql"):
        path = lab / name
        path.write_text(path.read_text().replace("portal_app", "portal_bypass_probe"))
    setup = lab / "setup.sql"
    setup.write_text(setup.read_text() + "\nALTER ROLE portal_bypass_probe BYPASSRLS;\n")
    toml = lab / "lab.toml"
    toml.write_text(toml.read_text().replace('id = "ex-tenant-row-security"', 'id = "test-bypass-probe"'))
    spec = load_spec(lab)
    result = grade(spec, spec.solution_path.read_text())
    assert result.score == 0.0
    message = result.checks[0].message
    assert "portal_bypass_probe is no longer an ordinary login role (BYPASSRLS)" in message


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        ("rls_not_enabled.sql", "returned [(300, 210)] (1 row); expected [(90, 0)]"),
        ("no_nullif.sql", 'invalid input syntax for type integer: ""'),
        ("grant_all.sql", "DELETE FROM shipments WHERE id = 130"),
    ],
)
def test_tenant_mistakes_name_what_the_role_saw(wrong, said):
    spec = load_spec(TENANTS)
    result = grade(spec, (TENANTS / "wrong" / wrong).read_text())
    assert result.score == 0.0
    assert said in result.checks[0].message, result.checks[0].message


def test_default_privileges_are_judged_on_a_table_created_after_the_answer():
    folder = EXERCISES / "reports-default-privileges"
    spec = load_spec(folder)
    assert grade(spec, spec.solution_path.read_text()).score == 1.0
    # only the existing tables granted: the migration's new table is refused
    result = grade(spec, (folder / "wrong" / "no_default_privileges.sql").read_text())
    assert result.score == 0.0
    assert "permission denied for table attrition" in result.checks[0].message
    # no USAGE on the schema: the hint names it
    result = grade(spec, (folder / "wrong" / "no_schema_usage.sql").read_text())
    assert "USAGE on a schema" in result.checks[0].hint
