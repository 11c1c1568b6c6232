-- The portal may only correct weights; tenant_id is not even updatable.
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shipments
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);
GRANT SELECT, INSERT ON shipments TO portal_app;
GRANT UPDATE (weight_kg, tracking) ON shipments TO portal_app;
