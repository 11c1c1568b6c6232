-- CTEs: one row per paid order first (no fan-out), then per customer, then rank in an outer query.
WITH order_totals AS (
    SELECT o.order_id, o.customer_id, sum(oi.quantity * oi.unit_price_cents) AS cents
    FROM orders o
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE o.status = 'paid'
    GROUP BY o.order_id, o.customer_id
),
per_customer AS (
    SELECT c.country, c.customer_id, c.name, count(*) AS orders, sum(t.cents) AS cents
    FROM customers c
    JOIN order_totals t ON t.customer_id = c.customer_id
    WHERE c.country IS NOT NULL
    GROUP BY c.country, c.customer_id, c.name
),
ranked AS (
    SELECT country, customer_id, name, orders,
           cents / 100.0 AS revenue,
           round(100.0 * cents / sum(cents) OVER (PARTITION BY country), 1) AS share_pct,
           rank() OVER (PARTITION BY country ORDER BY cents DESC) AS rank
    FROM per_customer
)
SELECT country, customer_id, name, orders, revenue, share_pct, rank
FROM ranked
WHERE rank <= 3
ORDER BY country, rank, customer_id;
