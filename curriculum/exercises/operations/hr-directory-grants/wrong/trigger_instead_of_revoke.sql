-- Refuse deletes and updates with a trigger that raises "permission denied"...
CREATE VIEW staff_directory AS SELECT id, full_name, department, email FROM employees;
GRANT SELECT ON staff_directory TO hr_analyst;
GRANT ALL ON timesheets TO timesheet_app;
GRANT USAGE ON SEQUENCE timesheets_id_seq TO timesheet_app;
CREATE FUNCTION no_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'permission denied for table timesheets' USING ERRCODE = '42501';
END $$;
CREATE TRIGGER timesheets_no_changes BEFORE UPDATE OR DELETE ON timesheets
    FOR EACH ROW EXECUTE FUNCTION no_changes();
