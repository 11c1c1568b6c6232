-- Compare as text: NULL (never set) and '' (reset) match no tenant id.
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON shipments TO portal_app
    USING (tenant_id::text = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id::text = current_setting('app.tenant_id', true));
REVOKE ALL ON shipments FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
