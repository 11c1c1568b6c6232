-- The average computed by hand: NULLIF keeps a product without ratings at NULL instead of
-- dividing by zero.
SELECT p.sku,
       COUNT(r.customer_id),
       COUNT(r.rating),
       ROUND(SUM(r.rating)::numeric / NULLIF(COUNT(r.rating), 0), 2)
FROM products AS p
LEFT OUTER JOIN reviews AS r ON r.product_id = p.product_id
GROUP BY p.product_id
ORDER BY COUNT(r.customer_id) DESC, p.sku;
