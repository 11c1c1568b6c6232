-- Row-level security on employees, payslips (and employers), run as payroll_owner.
-- Read the tenant with current_setting('app.employer_id', true); no tenant must mean no rows.
SET ROLE payroll_owner;
