-- Built CONCURRENTLY (production style: no write lock), then statistics refreshed by hand.
CREATE INDEX CONCURRENTLY orders_cust_status_time ON orders (customer_id, status, created_at);
ANALYZE orders;
