-- The directory view: id, full_name, department, email (no salary).
CREATE VIEW staff_directory AS
SELECT id, full_name, department, email
FROM employees;

-- Now the grants: what does hr_analyst need? And timesheet_app?
