ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shipments
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
GRANT ALL ON shipments TO portal_app;
