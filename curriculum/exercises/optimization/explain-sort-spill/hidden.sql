-- Other archives: many orders with the same amount, a cancelled status, and one table much
-- smaller than the other.
TRUNCATE orders_2023, orders_2024;
INSERT INTO orders_2023
SELECT g, 1 + g % 70, CASE WHEN g % 4 = 0 THEN 'cancelled' ELSE 'paid' END, 500 * (1 + g % 3),
       timestamptz '2023-03-01 00:00+00' + g * interval '1 hour'
FROM generate_series(1, 3000) AS g;
INSERT INTO orders_2024
SELECT g, 1 + g % 70, CASE WHEN g % 5 = 0 THEN 'refunded' ELSE 'paid' END, 500 * (1 + g % 3),
       timestamptz '2024-01-01 00:00+00' + (g - 3000) * interval '1 hour'
FROM generate_series(3001, 3400) AS g;
