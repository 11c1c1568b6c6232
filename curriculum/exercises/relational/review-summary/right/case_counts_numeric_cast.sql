SELECT p.sku,
       sum(CASE WHEN r.product_id IS NOT NULL THEN 1 ELSE 0 END) AS reviews,
       sum(CASE WHEN r.rating IS NULL THEN 0 ELSE 1 END) AS rated,
       avg(r.rating)::numeric(4, 2) AS avg_rating
FROM products p
LEFT JOIN reviews r ON r.product_id = p.product_id
GROUP BY p.sku
ORDER BY reviews DESC, sku;
