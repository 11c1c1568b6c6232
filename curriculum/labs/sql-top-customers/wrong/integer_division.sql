-- integer / integer is integer division in Postgres: the cents and the share's decimals vanish.
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
           revenue_cents / 100 AS revenue,
           100 * revenue_cents / sum(revenue_cents) OVER (PARTITION BY country) AS share_pct,
           rank() OVER (PARTITION BY country ORDER BY revenue_cents DESC) AS rank
    FROM customer_revenue
)
SELECT * FROM ranked
WHERE rank <= 3
ORDER BY country, rank, customer_id;
