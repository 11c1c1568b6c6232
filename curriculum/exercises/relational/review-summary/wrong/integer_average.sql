-- Integer division: 13 / 3 = 4.
SELECT p.sku, count(r.customer_id), count(r.rating), sum(r.rating) / nullif(count(r.rating), 0)
FROM products p LEFT JOIN reviews r ON r.product_id = p.product_id
GROUP BY p.sku ORDER BY 2 DESC, 1;
