-- Rank without a window function: 1 + how many customers of the same country earned more.
WITH rev AS (
    SELECT c.customer_id, c.name, c.country,
           (SELECT count(*) FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'paid') AS orders,
           (SELECT sum(oi.quantity * oi.unit_price_cents)
              FROM orders o JOIN order_items oi USING (order_id)
             WHERE o.customer_id = c.customer_id AND o.status = 'paid') AS cents
    FROM customers c
    WHERE c.country IS NOT NULL
),
buyers AS (
    SELECT * FROM rev WHERE orders > 0
)
SELECT b.country, b.customer_id, b.name, b.orders,
       round(b.cents / 100.0, 2) AS revenue,
       round(100.0 * b.cents / (SELECT sum(x.cents) FROM buyers x WHERE x.country = b.country), 1) AS share_pct,
       1 + (SELECT count(*) FROM buyers x WHERE x.country = b.country AND x.cents > b.cents) AS rank
FROM buyers b
WHERE (SELECT count(*) FROM buyers x WHERE x.country = b.country AND x.cents > b.cents) < 3
ORDER BY b.country, rank, b.customer_id;
