CREATE INDEX recent ON orders (customer_id, placed_at);
CREATE INDEX by_status ON orders (customer_id, status);
