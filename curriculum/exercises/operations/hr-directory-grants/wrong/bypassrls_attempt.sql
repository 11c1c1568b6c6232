-- Trying to make the analyst powerful instead of granting: Postgres refuses.
ALTER ROLE hr_analyst BYPASSRLS;
CREATE VIEW staff_directory AS SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
