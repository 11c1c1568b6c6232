-- Row-level security on every table that holds employer data. FORCE makes the policies apply to
-- payroll_owner too, so the report view (which runs with its owner's rights) cannot leak rows.
-- nullif(..., '') turns both "never set" (NULL) and "set then RESET" ('') into NULL: no rows, no error.
-- With PgBouncer in transaction mode, the app runs SET LOCAL app.employer_id inside each
-- transaction: a session-level SET would stay on the server connection and leak to the next client.
SET ROLE payroll_owner;

ALTER TABLE payroll.employees ENABLE ROW LEVEL SECURITY;
CREATE POLICY employees_tenant ON payroll.employees
    USING (employer_id = nullif(current_setting('app.employer_id', true), '')::int)
    WITH CHECK (employer_id = nullif(current_setting('app.employer_id', true), '')::int);

ALTER TABLE payroll.payslips ENABLE ROW LEVEL SECURITY;
CREATE POLICY payslips_tenant ON payroll.payslips
    USING (employer_id = nullif(current_setting('app.employer_id', true), '')::int)
    WITH CHECK (employer_id = nullif(current_setting('app.employer_id', true), '')::int);

ALTER TABLE payroll.employers ENABLE ROW LEVEL SECURITY;
CREATE POLICY employers_tenant ON payroll.employers
    USING (id = nullif(current_setting('app.employer_id', true), '')::int);
