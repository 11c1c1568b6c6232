-- Formats revenue with to_char: the values read right, but the column is text, not a number.
WITH per_customer AS (
    SELECT c.country, c.customer_id, c.name, count(DISTINCT o.order_id) AS orders,
           sum(oi.quantity * oi.unit_price_cents) AS cents
    FROM customers c
    JOIN orders o ON o.customer_id = c.customer_id AND o.status = 'paid'
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE c.country IS NOT NULL
    GROUP BY c.country, c.customer_id, c.name
)
SELECT country, customer_id, name, orders, revenue, share_pct, rank
FROM (
    SELECT country, customer_id, name, orders,
           to_char(cents / 100.0, 'FM9999990.00') AS revenue,
           round(100.0 * cents / sum(cents) OVER (PARTITION BY country), 1) AS share_pct,
           rank() OVER (PARTITION BY country ORDER BY cents DESC) AS rank
    FROM per_customer
) AS r
WHERE rank <= 3
ORDER BY country, rank, customer_id;
