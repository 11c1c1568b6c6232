BEGIN;
REVOKE ALL ON employees, timesheets FROM hr_analyst, timesheet_app, PUBLIC;
CREATE OR REPLACE VIEW staff_directory (id, full_name, department, email) AS
    SELECT id, full_name, department, email FROM employees;
REVOKE ALL ON staff_directory FROM PUBLIC;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT UPDATE ON SEQUENCE timesheets_id_seq TO timesheet_app;  -- UPDATE also allows nextval()
COMMIT;
