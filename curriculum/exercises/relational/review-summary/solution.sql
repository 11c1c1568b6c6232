SELECT p.sku,
       count(r.customer_id)           AS reviews,     -- rows that matched: 0 for no reviews
       count(r.rating)                AS rated,       -- non-NULL ratings only
       round(avg(r.rating), 2)        AS avg_rating   -- avg skips NULLs; no ratings -> NULL
FROM products p
LEFT JOIN reviews r ON r.product_id = p.product_id
GROUP BY p.product_id, p.sku
ORDER BY reviews DESC, p.sku;
