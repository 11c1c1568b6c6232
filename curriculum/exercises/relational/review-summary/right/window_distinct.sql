-- Window aggregates over the joined rows, then one row per product.
SELECT DISTINCT p.sku,
       count(r.customer_id) OVER w AS reviews,
       count(r.rating)      OVER w AS rated,
       round(avg(r.rating)  OVER w, 2) AS avg_rating
FROM products p
LEFT JOIN reviews r ON r.product_id = p.product_id
WINDOW w AS (PARTITION BY p.product_id)
ORDER BY reviews DESC, p.sku;
