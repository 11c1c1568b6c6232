"""The production-setup project's own pieces: reading alert blocks, joining SQL files for a lab,
and its checks on real servers (the whole proof runs in test_projects.py / check-projects)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labs.engines.postgres.settings import find_missing_binaries
from labs.projects import grade_project, load_project
from labs.projects.production import join_sql_files
from labs.projects.production_alerts import parse_alerts

PROJECT = Path(__file__).resolve().parents[2] / "curriculum" / "projects" / "production-setup"


def test_alert_blocks_and_thresholds_are_read_from_the_file():
    text = (
        "\\set long_xact_seconds 300\n\\set connections_pct '80'\n"
        "-- alert: long_transaction\n-- severity: warn\nSELECT 1 WHERE false;\n"
        "-- Alert: Blocked_Locks\nSELECT 2;\n"
    )
    alerts, variables = parse_alerts(text)
    assert variables == {"long_xact_seconds": "300", "connections_pct": "80"}
    assert sorted(alerts) == ["blocked_locks", "long_transaction"]
    assert "SELECT 1 WHERE false" in alerts["long_transaction"] and "SELECT 2" not in alerts["long_transaction"]


def test_sql_files_join_in_order_with_the_owner_read_as_the_session_role():
    handin = {
        "sql/roles.sql": b"SET ROLE payroll_owner;\nGRANT USAGE ON SCHEMA payroll TO app_rw;\n"
        b'ALTER DEFAULT PRIVILEGES FOR ROLE "payroll_owner" IN SCHEMA payroll GRANT SELECT ON TABLES TO app_rw;',
        "sql/rls.sql": b"ALTER TABLE payroll.payslips ENABLE ROW LEVEL SECURITY; RESET ROLE;",
    }
    script, problem = join_sql_files(handin, ["sql/roles.sql", "sql/rls.sql"], "payroll_owner")
    assert problem == "" and script is not None
    assert "SET ROLE" not in script and "RESET ROLE" not in script
    assert "FOR ROLE learner IN SCHEMA" in script and "payroll_owner" not in script
    assert script.index("GRANT USAGE") < script.index("ENABLE ROW LEVEL SECURITY")
    assert join_sql_files(handin, ["sql/roles.sql", "sql/missing.sql"], "payroll_owner") == (
        None,
        "sql/missing.sql is missing.",
    )


@pytest.mark.skipif(bool(find_missing_binaries()), reason="PostgreSQL binaries are not installed")
def test_a_handin_that_allows_everything_loses_tls_and_alerts(tmp_path):
    """A development setup (trust for everyone, no alerts) scores nothing on TLS or alerts."""
    handin = tmp_path / "handin"
    shutil.copytree(PROJECT / "reference", handin)
    (handin / "config" / "pg_hba.conf").write_text("host all all 0.0.0.0/0 trust\n")
    (handin / "monitoring" / "alerts.sql").write_text("-- nothing yet\n")
    result = grade_project(load_project(PROJECT), handin)
    rows = {row.id: row for row in result.criteria}
    assert result.gradable
    assert rows["tls"].points_awarded == 0 and "app_rw without TLS to be refused" in rows["tls"].message
    assert rows["alerts"].points_awarded == 0 and "no '-- alert: <name>' block" in rows["alerts"].message
    assert rows["roles"].points_awarded == 15 and rows["pooling"].points_awarded == 5
