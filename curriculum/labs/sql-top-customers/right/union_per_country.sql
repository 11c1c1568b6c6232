-- Top-N per group with a LATERAL LIMIT ... WITH TIES per country instead of a rank filter.
WITH per_customer AS (
    SELECT c.country, c.customer_id, c.name,
           count(DISTINCT o.order_id) AS orders,
           sum(oi.quantity * oi.unit_price_cents) AS cents
    FROM customers c
    JOIN orders o ON o.customer_id = c.customer_id
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE o.status = 'paid' AND c.country IS NOT NULL
    GROUP BY c.country, c.customer_id, c.name
),
ranked AS (
    SELECT p.*, rank() OVER (PARTITION BY country ORDER BY cents DESC) AS rank,
           sum(cents) OVER (PARTITION BY country) AS country_cents
    FROM per_customer p
)
SELECT top.country, top.customer_id, top.name, top.orders,
       top.cents / 100.0 AS revenue,
       round(100.0 * top.cents / top.country_cents, 1) AS share_pct,
       top.rank
FROM (SELECT DISTINCT country FROM ranked) AS k
CROSS JOIN LATERAL (
    SELECT r.* FROM ranked r WHERE r.country = k.country
    ORDER BY r.cents DESC
    FETCH FIRST 3 ROWS WITH TIES
) AS top
ORDER BY top.country, top.rank, top.customer_id;
