-- Every query of portal_app on shipments gets the tenant predicate added by Postgres.
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;

-- nullif(..., ''): a setting that was set and reset reads as '', and ''::int would fail;
-- NULL instead makes tenant_id = NULL, which matches no row (the safe failure).
CREATE POLICY tenant_isolation ON shipments
    USING      (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::int);

-- Privileges decide which commands run at all: no DELETE.
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
