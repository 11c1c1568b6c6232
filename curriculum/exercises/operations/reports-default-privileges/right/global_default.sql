-- A default for every table we create, in any schema (payroll exists already and stays private).
GRANT USAGE ON SCHEMA reports TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA reports TO bi_reader;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bi_reader;
