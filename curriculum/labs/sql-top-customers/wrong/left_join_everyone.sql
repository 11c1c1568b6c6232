-- LEFT JOINs with COALESCE keep customers who never paid for anything: in a small country
-- they appear in the "top 3" with a revenue of 0.
WITH customer_revenue AS (
    SELECT c.customer_id, c.name, c.country,
           count(DISTINCT o.order_id) AS orders,
           coalesce(sum(oi.quantity * oi.unit_price_cents), 0) AS revenue_cents
    FROM customers c
    LEFT JOIN orders o       ON o.customer_id = c.customer_id AND o.status = 'paid'
    LEFT JOIN order_items oi ON oi.order_id = o.order_id
    WHERE c.country IS NOT NULL
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
