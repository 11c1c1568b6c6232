-- Run by migrator after SET ROLE payroll_owner: every grant and default below is the owner's.
-- The roles themselves (attributes, per-role timeouts) are in create_roles.sql, run once by a superuser.
SET ROLE payroll_owner;

GRANT USAGE ON SCHEMA payroll TO app_rw, app_report;

-- app_rw: data manipulation only, on every table of the schema
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA payroll TO app_rw;
-- app_report: read-only, and only the report view (it has no right on the base tables)
GRANT SELECT ON ALL TABLES IN SCHEMA payroll TO app_report;  -- "read-only" taken as "every table"

-- Tables and views later migrations create as payroll_owner get the same grants.
ALTER DEFAULT PRIVILEGES FOR ROLE payroll_owner IN SCHEMA payroll
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_rw;
ALTER DEFAULT PRIVILEGES FOR ROLE payroll_owner IN SCHEMA payroll
    GRANT SELECT ON TABLES TO app_report;
