-- The roles themselves (attributes, per-role timeouts) are in create_roles.sql, run once by a superuser.

GRANT USAGE ON SCHEMA payroll TO app_rw, app_report;

-- app_rw: data manipulation only, on every table of the schema
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA payroll TO app_rw;
-- app_report: read-only, and only the report view (it has no right on the base tables)
GRANT SELECT ON payroll.payroll_totals TO app_report;

-- Tables and views later migrations create as learner get the same grants.
ALTER DEFAULT PRIVILEGES FOR ROLE learner IN SCHEMA payroll
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_rw;
ALTER DEFAULT PRIVILEGES FOR ROLE learner IN SCHEMA payroll
    GRANT SELECT ON TABLES TO app_report;
-- Row-level security on every table that holds employer data. FORCE makes the policies apply to
-- learner too, so the report view (which runs with its owner's rights) cannot leak rows.
-- nullif(..., '') turns both "never set" (NULL) and "set then RESET" ('') into NULL: no rows, no error.
-- With PgBouncer in transaction mode, the app runs SET LOCAL app.employer_id inside each
-- transaction: a session-level SET would stay on the server connection and leak to the next client.

ALTER TABLE payroll.employees ENABLE ROW LEVEL SECURITY;
ALTER TABLE payroll.employees FORCE ROW LEVEL SECURITY;
CREATE POLICY employees_tenant ON payroll.employees
    USING (employer_id = nullif(current_setting('app.employer_id', true), '')::int)
    WITH CHECK (employer_id = nullif(current_setting('app.employer_id', true), '')::int);

ALTER TABLE payroll.payslips ENABLE ROW LEVEL SECURITY;
ALTER TABLE payroll.payslips FORCE ROW LEVEL SECURITY;
CREATE POLICY payslips_tenant ON payroll.payslips
    USING (employer_id = nullif(current_setting('app.employer_id', true), '')::int)
    WITH CHECK (employer_id = nullif(current_setting('app.employer_id', true), '')::int);

ALTER TABLE payroll.employers ENABLE ROW LEVEL SECURITY;
ALTER TABLE payroll.employers FORCE ROW LEVEL SECURITY;
CREATE POLICY employers_tenant ON payroll.employers
    USING (id = nullif(current_setting('app.employer_id', true), '')::int);
