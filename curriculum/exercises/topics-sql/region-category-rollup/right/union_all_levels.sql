-- Three GROUP BYs, one per level, with explicit sort keys.
WITH sales AS (
    SELECT s.region, coalesce(p.category, 'none') AS category,
           p.category IS NULL AS uncategorised, f.amount_cents
    FROM fact_sales f
    JOIN dim_store s ON s.store_key = f.store_key
    JOIN dim_product p ON p.product_key = f.product_key
    WHERE f.sold_on BETWEEN '2024-01-01' AND '2024-12-31'
)
SELECT region, category, revenue
FROM (
    SELECT region, category, sum(amount_cents) / 100.0 AS revenue, 0 AS r_lvl, 0 AS c_lvl, uncategorised
    FROM sales GROUP BY region, category, uncategorised
    UNION ALL
    SELECT region, 'ALL', sum(amount_cents) / 100.0, 0, 1, false
    FROM sales GROUP BY region
    UNION ALL
    SELECT 'ALL', 'ALL', sum(amount_cents) / 100.0, 1, 1, false
    FROM sales
    HAVING count(*) > 0
) t
ORDER BY r_lvl, region, c_lvl, uncategorised, category;
