-- Reads are filtered, but any row may be written.
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shipments
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int)
    WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
