SELECT o.order_id, o.placed_on, o.total, r.cents / 100.0 AS month_to_date
FROM orders AS o
CROSS JOIN LATERAL (
    SELECT sum((p.total * 100)::bigint) AS cents
    FROM orders AS p
    WHERE p.placed_on >= date_trunc('month', o.placed_on)
      AND (p.placed_on < o.placed_on OR (p.placed_on = o.placed_on AND p.order_id <= o.order_id))
) AS r
ORDER BY o.placed_on ASC, o.order_id ASC;
