CREATE INDEX recent ON orders (customer_id, placed_at, total_cents);
CREATE INDEX by_status ON orders (customer_id, status);
