-- Default privileges only: the tables that already exist get nothing.
GRANT USAGE ON SCHEMA reports TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO bi_reader;
