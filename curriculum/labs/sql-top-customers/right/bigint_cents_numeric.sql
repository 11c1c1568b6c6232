-- Revenue as numeric(14,2) from bigint cents, share from a separate per-country total CTE.
WITH paid_lines AS (
    SELECT c.country, c.customer_id, c.name, o.order_id,
           oi.quantity::bigint * oi.unit_price_cents AS cents
    FROM customers AS c
    INNER JOIN orders AS o ON o.customer_id = c.customer_id
    INNER JOIN order_items AS oi ON oi.order_id = o.order_id
    WHERE o.status = 'paid' AND c.country IS NOT NULL
),
country_revenue AS (
    SELECT country, sum(cents) AS total FROM paid_lines GROUP BY country
),
customer_revenue AS (
    SELECT country, customer_id, name, count(DISTINCT order_id) AS orders, sum(cents) AS cents,
           rank() OVER (PARTITION BY country ORDER BY sum(cents) DESC) AS pos
    FROM paid_lines
    GROUP BY country, customer_id, name
)
SELECT cr.country, cr.customer_id, cr.name, cr.orders,
       (cr.cents / 100.0)::numeric(14, 2) AS revenue,
       round(100 * cr.cents::numeric / t.total, 1) AS share_pct,
       cr.pos::int AS rank
FROM customer_revenue cr
JOIN country_revenue t ON t.country = cr.country
WHERE cr.pos <= 3
ORDER BY cr.country, cr.pos, cr.customer_id;
