CREATE VIEW staff_directory AS SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;

-- start from everything, then take away what the app must never do
GRANT ALL PRIVILEGES ON timesheets TO timesheet_app;
REVOKE UPDATE, DELETE, TRUNCATE ON timesheets FROM timesheet_app;
GRANT ALL ON SEQUENCE timesheets_id_seq TO timesheet_app;
