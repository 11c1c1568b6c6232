-- To reach anything inside a schema, a role needs USAGE on the schema.
GRANT USAGE ON SCHEMA reports TO bi_reader;
-- The tables that exist now.
GRANT SELECT ON ALL TABLES IN SCHEMA reports TO bi_reader;
-- The tables this role (the owner, who runs the migrations) creates there from now on.
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO bi_reader;
