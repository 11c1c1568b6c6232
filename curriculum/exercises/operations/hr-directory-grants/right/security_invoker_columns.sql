-- An invoker view: the analyst's own column privileges decide, and salary is not among them.
CREATE VIEW staff_directory WITH (security_invoker = true) AS
SELECT id, full_name, department, email FROM employees;
GRANT SELECT (id, full_name, department, email) ON employees TO hr_analyst;
GRANT SELECT ON staff_directory TO hr_analyst;

GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
