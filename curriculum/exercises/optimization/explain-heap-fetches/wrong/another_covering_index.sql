CREATE INDEX orders_cust_all ON orders (customer_id, created_at) INCLUDE (total_cents, id);
