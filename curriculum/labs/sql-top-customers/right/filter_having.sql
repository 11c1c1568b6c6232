-- Aggregate FILTER over all orders; HAVING drops customers without a paid order.
WITH lines AS (
    SELECT o.order_id, o.customer_id, o.status, oi.quantity * oi.unit_price_cents AS cents
    FROM orders o JOIN order_items oi ON oi.order_id = o.order_id
),
per_customer AS (
    SELECT c.country, c.customer_id, c.name,
           count(DISTINCT l.order_id) FILTER (WHERE l.status = 'paid') AS orders,
           sum(l.cents) FILTER (WHERE l.status = 'paid') AS cents
    FROM customers c
    JOIN lines l ON l.customer_id = c.customer_id
    GROUP BY c.customer_id
    HAVING count(*) FILTER (WHERE l.status = 'paid') > 0 AND c.country IS NOT NULL
),
country_totals AS (
    SELECT country, sum(cents) AS total FROM per_customer GROUP BY country
)
SELECT country, customer_id, name, orders, revenue, share_pct, rank
FROM (
    SELECT p.country, p.customer_id, p.name, p.orders,
           p.cents / 100.0 AS revenue,
           round(p.cents * 100.0 / t.total, 1) AS share_pct,
           rank() OVER (PARTITION BY p.country ORDER BY p.cents DESC) AS rank
    FROM per_customer p JOIN country_totals t USING (country)
) AS r
WHERE rank <= 3
ORDER BY 1, 7, 2;
