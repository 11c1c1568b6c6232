-- id spelled out, although InnoDB would have appended it anyway
CREATE INDEX recent ON orders (customer_id, placed_at, total_cents, id);
CREATE INDEX by_status ON orders (customer_id, status, id);
