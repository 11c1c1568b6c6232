-- The shop archives orders by year. Ids come from one sequence, so an order is in exactly one
-- of the two tables. 250,000 orders a year, 90% of them paid.
CREATE TABLE orders_2023 (
    id          bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    status      text NOT NULL,
    total_cents integer NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE TABLE orders_2024 (LIKE orders_2023 INCLUDING ALL);
INSERT INTO orders_2023
SELECT g, 1 + g % 20000, CASE WHEN g % 10 = 0 THEN 'refunded' ELSE 'paid' END,
       100 + (g * 37) % 20000, timestamptz '2023-01-01 00:00+00' + g * interval '2 minutes'
FROM generate_series(1, 250000) AS g;
INSERT INTO orders_2024
SELECT g, 1 + g % 20000, CASE WHEN g % 10 = 3 THEN 'refunded' ELSE 'paid' END,
       100 + (g * 37) % 20000, timestamptz '2024-01-01 00:00+00' + (g - 250000) * interval '2 minutes'
FROM generate_series(250001, 500000) AS g;
