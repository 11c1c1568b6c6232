ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
-- permissive: the portal may use the table at all ...
CREATE POLICY portal_access ON shipments AS PERMISSIVE TO portal_app USING (true) WITH CHECK (true);
-- ... restrictive: and only ever for the tenant of the session
CREATE POLICY tenant_guard ON shipments AS RESTRICTIVE TO portal_app
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
