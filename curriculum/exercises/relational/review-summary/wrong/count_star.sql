-- count(*) counts the NULL-filled row of an unreviewed product as a review.
SELECT p.sku, count(*), count(r.rating), round(avg(r.rating), 2)
FROM products p LEFT JOIN reviews r ON r.product_id = p.product_id
GROUP BY p.sku ORDER BY 2 DESC, 1;
