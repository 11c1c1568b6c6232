-- Summarise reviews per product first, then attach every product.
WITH per_product AS (
    SELECT product_id, count(*) AS reviews, count(rating) AS rated, avg(rating) AS avg_rating
    FROM reviews
    GROUP BY product_id
)
SELECT p.sku, coalesce(s.reviews, 0), coalesce(s.rated, 0), round(s.avg_rating, 2)
FROM products p
LEFT JOIN per_product s ON s.product_id = p.product_id
ORDER BY coalesce(s.reviews, 0) DESC, p.sku;
