SELECT p.sku, s.reviews, s.rated, s.avg_rating
FROM products p
CROSS JOIN LATERAL (
    SELECT count(*) AS reviews,
           count(rating) AS rated,
           round(avg(rating)::numeric, 2) AS avg_rating
    FROM reviews r
    WHERE r.product_id = p.product_id
) s
ORDER BY s.reviews DESC, p.sku;
