-- Text-only reviews counted as 0 stars.
SELECT p.sku, count(r.customer_id), count(r.rating), round(avg(coalesce(r.rating, 0)), 2)
FROM products p LEFT JOIN reviews r ON r.product_id = p.product_id
GROUP BY p.sku ORDER BY 2 DESC, 1;
