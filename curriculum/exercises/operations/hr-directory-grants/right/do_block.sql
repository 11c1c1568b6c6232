CREATE VIEW staff_directory AS
SELECT id, full_name, department, email FROM employees;

DO $$
BEGIN
    EXECUTE 'GRANT SELECT ON staff_directory TO hr_analyst';
    EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', 'timesheets', 'timesheet_app');
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO timesheet_app', pg_get_serial_sequence('timesheets', 'id'));
END $$;
