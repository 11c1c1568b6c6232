CREATE VIEW staff_directory AS SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT ALL ON timesheets TO timesheet_app;
GRANT ALL ON SEQUENCE timesheets_id_seq TO timesheet_app;
