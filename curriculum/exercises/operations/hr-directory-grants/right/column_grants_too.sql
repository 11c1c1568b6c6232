-- Belt and braces: the analyst may also read the non-salary columns of employees directly.
CREATE VIEW staff_directory AS
    SELECT e.id, e.full_name, e.department, e.email FROM employees AS e ORDER BY e.id;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT SELECT (id, full_name, department, email) ON employees TO hr_analyst;
GRANT INSERT, SELECT ON timesheets TO timesheet_app;
GRANT USAGE, SELECT ON SEQUENCE timesheets_id_seq TO timesheet_app;
