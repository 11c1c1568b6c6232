-- No tenant set -> tenant 0, which does not exist: no rows.
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON shipments FOR ALL TO portal_app
    USING (tenant_id = coalesce(nullif(current_setting('app.tenant_id', true), ''), '0')::int)
    WITH CHECK (tenant_id = coalesce(nullif(current_setting('app.tenant_id', true), ''), '0')::int);
GRANT SELECT, INSERT, UPDATE ON TABLE shipments TO portal_app;
