-- Reviewed products from an inner join, plus the unreviewed ones through an anti-join.
SELECT sku, reviews, rated, avg_rating FROM (
    SELECT p.sku, count(*) AS reviews, count(r.rating) AS rated, round(avg(r.rating), 2) AS avg_rating
    FROM products p JOIN reviews r ON r.product_id = p.product_id
    GROUP BY p.sku
    UNION ALL
    SELECT p.sku, 0, 0, NULL
    FROM products p
    WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.product_id = p.product_id)
) t
ORDER BY reviews DESC, sku;
