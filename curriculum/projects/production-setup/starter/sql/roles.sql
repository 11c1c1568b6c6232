-- Run by migrator after SET ROLE payroll_owner.
SET ROLE payroll_owner;

-- USAGE on the schema, DML for app_rw, the report view for app_report,
-- and ALTER DEFAULT PRIVILEGES FOR ROLE payroll_owner IN SCHEMA payroll ... for later tables.
