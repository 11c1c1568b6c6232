-- 300,000 orders of 5,000 customers, loaded in one go and never vacuumed. The account page's
-- query already has a covering index: (customer_id, created_at) INCLUDE (total_cents).
CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    status      text NOT NULL,
    total_cents integer NOT NULL,
    created_at  timestamptz NOT NULL,
    note        text
);
INSERT INTO orders
SELECT g, 1 + (g::bigint * 7919) % 5000,
       CASE WHEN g % 20 = 0 THEN 'refunded' ELSE 'paid' END,
       100 + (g * 37) % 50000,
       timestamptz '2023-01-01 00:00+00' + g * interval '2 minutes',
       repeat('n', 60)
FROM generate_series(1, 300000) AS g;
CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at) INCLUDE (total_cents);
