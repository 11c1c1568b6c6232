-- LATERAL: each customer's paid orders and revenue computed beside the customer row.
WITH per_customer AS (
    SELECT c.country, c.customer_id, c.name, p.orders, p.cents
    FROM customers c
    CROSS JOIN LATERAL (
        SELECT count(DISTINCT o.order_id) AS orders, sum(oi.quantity * oi.unit_price_cents) AS cents
        FROM orders o
        JOIN order_items oi ON oi.order_id = o.order_id
        WHERE o.customer_id = c.customer_id AND o.status = 'paid'
    ) AS p
    WHERE c.country IS NOT NULL AND p.orders > 0
)
SELECT *
FROM (
    SELECT country, customer_id, name, orders,
           (cents / 100.0)::numeric(12, 2) AS revenue,
           round((cents * 100.0 / sum(cents) OVER w)::numeric, 1) AS share_pct,
           rank() OVER (w ORDER BY cents DESC) AS rank
    FROM per_customer
    WINDOW w AS (PARTITION BY country)
) AS t
WHERE rank <= 3
ORDER BY country, rank, customer_id;
