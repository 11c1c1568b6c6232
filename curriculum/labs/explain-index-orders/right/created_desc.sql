-- The sort column stored descending, as the panel reads it.
CREATE INDEX ON orders (customer_id, status, created_at DESC);
