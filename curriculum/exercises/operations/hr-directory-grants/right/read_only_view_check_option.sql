-- A directory the analyst reads; the app gets the table and its id sequence.
CREATE VIEW staff_directory AS
SELECT id, full_name, department, email
FROM employees
WHERE true
WITH LOCAL CHECK OPTION;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT INSERT ON timesheets TO timesheet_app;
GRANT SELECT ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
-- the analyst's team may also read hours
GRANT SELECT ON timesheets TO hr_analyst;
