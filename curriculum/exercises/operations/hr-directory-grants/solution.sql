-- The view leaves the salary out; it reads employees with its owner's privileges,
-- so the analyst needs SELECT on the view only, and nothing on employees.
CREATE VIEW staff_directory AS
SELECT id, full_name, department, email
FROM employees;

GRANT SELECT ON staff_directory TO hr_analyst;

-- The app records and reads hours; the bigserial default calls nextval() on the sequence.
GRANT SELECT, INSERT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
