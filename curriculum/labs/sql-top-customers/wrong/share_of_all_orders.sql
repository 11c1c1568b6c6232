-- The share's denominator counts every order of the country (pending and cancelled too), not only paid ones.
WITH lines AS (
    SELECT c.country, c.customer_id, c.name, o.order_id, o.status,
           oi.quantity * oi.unit_price_cents AS cents
    FROM customers c
    JOIN orders o ON o.customer_id = c.customer_id
    JOIN order_items oi ON oi.order_id = o.order_id
    WHERE c.country IS NOT NULL
),
per_customer AS (
    SELECT country, customer_id, name,
           count(DISTINCT order_id) FILTER (WHERE status = 'paid') AS orders,
           sum(cents) FILTER (WHERE status = 'paid') AS cents
    FROM lines GROUP BY country, customer_id, name
),
totals AS (SELECT country, sum(cents) AS all_cents FROM lines GROUP BY country)
SELECT country, customer_id, name, orders, revenue, share_pct, rank
FROM (
    SELECT p.country, p.customer_id, p.name, p.orders, p.cents / 100.0 AS revenue,
           round(100.0 * p.cents / t.all_cents, 1) AS share_pct,
           rank() OVER (PARTITION BY p.country ORDER BY p.cents DESC) AS rank
    FROM per_customer p JOIN totals t USING (country)
    WHERE p.orders > 0
) AS r
WHERE rank <= 3
ORDER BY country, rank, customer_id;
