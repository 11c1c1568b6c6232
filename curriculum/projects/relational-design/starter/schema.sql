-- Your schema: every object in the schema shop. Loads as a non-superuser owner.
CREATE SCHEMA shop;

-- ... your tables, keys, constraints, indexes and triggers ...

-- The grader reads these two views; keep their names and columns.
-- CREATE VIEW shop.order_line_facts AS
--     SELECT <staging line_id or NULL> AS line_id, order_ref, sku, qty, line_total_cents,
--            <refunded cents, 0 when none> AS refunded_cents FROM ...;
-- CREATE VIEW shop.variant_stock AS SELECT sku, stock FROM ...;
