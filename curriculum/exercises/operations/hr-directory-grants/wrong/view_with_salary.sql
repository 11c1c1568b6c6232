CREATE VIEW staff_directory AS SELECT * FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
