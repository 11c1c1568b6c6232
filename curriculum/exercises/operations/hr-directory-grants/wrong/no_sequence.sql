CREATE VIEW staff_directory AS SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
