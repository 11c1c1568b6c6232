-- A covering index: total_cents and id ride along, so the table is hardly touched (index-only scan after VACUUM).
CREATE INDEX orders_panel_cover_idx ON orders (customer_id, status, created_at) INCLUDE (id, total_cents);
