-- The status test belongs in the ON clause: in WHERE it would drop the customers the LEFT
-- JOIN kept. count(o.order_id) counts matched orders only, so unmatched customers get 0.
SELECT c.customer_id,
       c.full_name,
       count(o.order_id) AS completed_orders,
       max(o.placed_on)  AS last_completed_on
FROM customers c
LEFT JOIN orders o
       ON o.customer_id = c.customer_id
      AND o.status IN ('paid', 'shipped')
GROUP BY c.customer_id, c.full_name
ORDER BY completed_orders DESC, c.customer_id;
