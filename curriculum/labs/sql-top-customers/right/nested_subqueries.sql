-- No CTE: nested derived tables, count(DISTINCT) against the join fan-out.
SELECT country, customer_id, name, orders, revenue, share_pct, rnk AS rank
FROM (
    SELECT per.*,
           round(per.revenue * 100 / sum(per.revenue) OVER (PARTITION BY per.country), 1) AS share_pct,
           rank() OVER (PARTITION BY per.country ORDER BY per.revenue DESC) AS rnk
    FROM (
        SELECT c.country, c.customer_id, c.name,
               count(DISTINCT o.order_id) AS orders,
               sum(oi.quantity * oi.unit_price_cents)::numeric / 100 AS revenue
        FROM customers c
        JOIN orders o ON o.customer_id = c.customer_id AND o.status = 'paid'
        JOIN order_items oi ON oi.order_id = o.order_id
        WHERE c.country IS NOT NULL
        GROUP BY c.customer_id, c.name, c.country
    ) AS per
) AS ranked
WHERE rnk <= 3
ORDER BY country, rnk, customer_id;
