-- Every product: sku, reviews, rated, avg_rating. Sort: reviews DESC, sku.
SELECT p.sku
FROM products p
-- join the reviews here
ORDER BY p.sku;
