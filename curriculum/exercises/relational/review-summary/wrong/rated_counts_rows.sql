-- 'rated' counts review rows, text-only ones included.
SELECT p.sku, count(r.customer_id), count(r.customer_id), round(avg(r.rating), 2)
FROM products p LEFT JOIN reviews r ON r.product_id = p.product_id
GROUP BY p.sku ORDER BY 2 DESC, 1;
