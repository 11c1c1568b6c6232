-- Filtering the ratings in WHERE removes text-only reviews from 'reviews' too, and the
-- products that only have text-only reviews.
SELECT p.sku, count(r.customer_id), count(r.rating), round(avg(r.rating), 2)
FROM products p LEFT JOIN reviews r ON r.product_id = p.product_id
WHERE r.rating IS NOT NULL OR r.product_id IS NULL
GROUP BY p.sku ORDER BY 2 DESC, 1;
