-- Name the creating role explicitly: the migrations run as the owner, i.e. as us.
GRANT USAGE ON SCHEMA reports TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA reports TO bi_reader;
DO $$
BEGIN
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA reports GRANT SELECT ON TABLES TO bi_reader',
                   current_user);
END $$;
