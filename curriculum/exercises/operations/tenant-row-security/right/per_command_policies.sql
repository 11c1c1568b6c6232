ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON shipments FOR SELECT TO portal_app
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int);
CREATE POLICY add_own ON shipments FOR INSERT TO portal_app
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int);
CREATE POLICY change_own ON shipments FOR UPDATE TO portal_app
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int);
GRANT SELECT ON shipments TO portal_app;
GRANT INSERT ON shipments TO portal_app;
GRANT UPDATE ON shipments TO portal_app;
