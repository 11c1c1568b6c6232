GRANT USAGE ON SCHEMA reports TO bi_reader;
GRANT SELECT ON reports.headcount, reports.overtime TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO bi_reader;
