ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shipments
    USING (tenant_id = current_setting('app.tenant_id')::int);
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
