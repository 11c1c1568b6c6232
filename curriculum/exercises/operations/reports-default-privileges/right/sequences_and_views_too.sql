-- Dashboards may also read sequences' state; views count as tables for default privileges.
GRANT USAGE ON SCHEMA reports TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA reports TO bi_reader;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA reports TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON SEQUENCES TO bi_reader;
