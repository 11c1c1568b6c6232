-- Aggregate to (region, category) first, then roll the small result up.
WITH per_pair AS (
    SELECT s.region, p.category, sum(f.amount_cents) AS cents
    FROM fact_sales f
    JOIN dim_store s ON s.store_key = f.store_key
    JOIN dim_product p ON p.product_key = f.product_key
    WHERE f.sold_on >= '2024-01-01' AND f.sold_on < '2025-01-01'
    GROUP BY s.region, p.category
)
SELECT coalesce(CASE WHEN GROUPING(region) = 0 THEN region END, 'ALL') AS region,
       CASE GROUPING(category) WHEN 1 THEN 'ALL' ELSE coalesce(category, 'none') END AS category,
       round(sum(cents) / 100.0, 2) AS revenue
FROM per_pair
GROUP BY ROLLUP (region, category)
ORDER BY GROUPING(region), per_pair.region, GROUPING(category), per_pair.category NULLS LAST;
