-- The policy exists, but row-level security was never switched on for the table.
CREATE POLICY tenant_isolation ON shipments
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
