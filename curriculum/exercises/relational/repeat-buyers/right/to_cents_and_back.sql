-- Sum in integer cents, back to currency units at the end.
SELECT c.customer_id,
       c.full_name,
       count(DISTINCT o.order_id),
       (sum(oi.quantity * (oi.unit_price * 100)::bigint) / 100.0)::numeric(12, 2)
FROM order_items oi
JOIN orders o    ON o.order_id = oi.order_id
JOIN customers c ON c.customer_id = o.customer_id
WHERE o.status IN ('shipped', 'paid')
  AND o.placed_on >= make_date(2024, 1, 1)
  AND o.placed_on <= make_date(2024, 12, 31)
GROUP BY 1, 2
HAVING count(DISTINCT o.order_id) >= 2
ORDER BY 4 DESC, 1;
