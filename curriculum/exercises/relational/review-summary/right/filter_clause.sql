SELECT p.sku,
       count(r.product_id) AS reviews,
       count(*) FILTER (WHERE r.rating IS NOT NULL) AS rated,
       round(avg(r.rating) FILTER (WHERE r.rating IS NOT NULL), 2) AS avg_rating
FROM products p
LEFT JOIN reviews r USING (product_id)
GROUP BY p.sku
ORDER BY 2 DESC, 1;
