GRANT USAGE ON SCHEMA reports TO bi_reader;
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'reports' LOOP
        EXECUTE format('GRANT SELECT ON reports.%I TO bi_reader', t.tablename);
    END LOOP;
END $$;
ALTER DEFAULT PRIVILEGES FOR USER CURRENT_USER IN SCHEMA reports GRANT SELECT ON TABLES TO bi_reader;
