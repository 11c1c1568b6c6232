-- Revenue per order in a subquery joined to customers; EXISTS keeps only paying customers.
SELECT country, customer_id, name, orders, revenue, share_pct, rank
FROM (
    SELECT c.country, c.customer_id, c.name,
           count(*) AS orders,
           sum(ot.total) / 100.0 AS revenue,
           round(sum(ot.total) * 100.0 / sum(sum(ot.total)) OVER (PARTITION BY c.country), 1) AS share_pct,
           rank() OVER (PARTITION BY c.country ORDER BY sum(ot.total) DESC) AS rank
    FROM customers c
    JOIN (
        SELECT order_id, sum(quantity * unit_price_cents) AS total
        FROM order_items
        GROUP BY order_id
    ) AS ot ON ot.order_id IN (SELECT o.order_id FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'paid')
    WHERE c.country IS NOT NULL
      AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'paid')
    GROUP BY c.country, c.customer_id, c.name
) AS ranked
WHERE rank <= 3
ORDER BY country, rank, customer_id;
