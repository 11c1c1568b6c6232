-- A filtered view, but the portal keeps its grant on the table itself.
CREATE VIEW my_shipments AS
SELECT * FROM shipments WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::int;
GRANT SELECT ON my_shipments TO portal_app;
GRANT SELECT, INSERT, UPDATE ON shipments TO portal_app;
