-- security_invoker without a grant underneath: the analyst is refused on employees.
CREATE VIEW staff_directory WITH (security_invoker = true) AS
SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
