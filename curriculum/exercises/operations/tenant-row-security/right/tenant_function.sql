-- One place that reads the tenant; STABLE so it is evaluated once per query.
CREATE FUNCTION current_tenant() RETURNS int
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::int $$;

ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shipments
    USING (tenant_id = current_tenant())
    WITH CHECK (tenant_id = current_tenant());
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
