-- Homewares webshop: 20,000 customers and 1,000,000 orders over two years.
-- Generated here (never shipped as a file); the lab's template database is built once and
-- cloned for every attempt. Loading first and adding keys afterwards keeps this to a few seconds.
SELECT setseed(0.42);

CREATE TABLE customers (
    id    integer PRIMARY KEY,
    name  text NOT NULL,
    tier  text NOT NULL
);
INSERT INTO customers
SELECT g, 'Customer ' || g, CASE WHEN g % 10 = 0 THEN 'business' ELSE 'retail' END
FROM generate_series(1, 20000) AS g;
UPDATE customers SET name = 'Harbour & Finch Interiors', tier = 'business' WHERE id = 4242;

CREATE TABLE orders (
    id           bigint NOT NULL,
    customer_id  integer NOT NULL,
    status       text NOT NULL,
    total_cents  integer NOT NULL,
    created_at   timestamptz NOT NULL
);

-- Customer 4242 (a trade account) places 2% of all orders; everybody else a few dozen each.
-- About 3% of orders end cancelled and 2% returned, at any age; the last 15,000 orders are
-- still in flight (processing or shipped); everything older was delivered.
INSERT INTO orders (id, customer_id, status, total_cents, created_at)
SELECT g,
       CASE WHEN r1 < 0.02 THEN 4242 ELSE 1 + floor(r2 * 20000)::int END,
       CASE WHEN r3 < 0.03 THEN 'cancelled'
            WHEN r3 < 0.05 THEN 'returned'
            WHEN g > 985000 AND r3 < 0.60 THEN 'shipped'
            WHEN g > 985000 THEN 'processing'
            ELSE 'delivered' END,
       500 + floor(r2 * 1000000)::int % 50000,
       timestamptz '2023-01-01 08:00+00' + g * interval '61 seconds'
FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3
      FROM generate_series(1, 1000000) AS g) AS s;

ALTER TABLE orders ADD PRIMARY KEY (id);
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers;
