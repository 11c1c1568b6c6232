alter table shipments enable row level security;
-- a policy without WITH CHECK checks new rows with its USING expression
create policy shipments_by_tenant on shipments
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::integer);
grant select, insert, update on shipments to portal_app;
