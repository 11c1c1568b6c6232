BEGIN;
ALTER TABLE public.shipments ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_my_tenant ON public.shipments
    USING (CASE WHEN current_setting('app.tenant_id', true) ~ '^[0-9]+$'
                THEN tenant_id = current_setting('app.tenant_id', true)::int
                ELSE false END)
    WITH CHECK (CASE WHEN current_setting('app.tenant_id', true) ~ '^[0-9]+$'
                     THEN tenant_id = current_setting('app.tenant_id', true)::int
                     ELSE false END);
GRANT SELECT, INSERT, UPDATE ON public.shipments TO portal_app;
COMMIT;
