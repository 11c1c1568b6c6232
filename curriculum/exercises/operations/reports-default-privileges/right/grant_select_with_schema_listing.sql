-- USAGE to reach the tables; CREATE is not needed by a reader and is not granted.
GRANT USAGE ON SCHEMA reports TO bi_reader;
GRANT SELECT ON TABLE reports.headcount TO bi_reader;
GRANT SELECT ON TABLE reports.overtime TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA reports
    GRANT SELECT ON TABLES TO bi_reader;
