-- Dimension lookups in LATERAL subqueries; sort keys carried in a derived table.
SELECT region, category, revenue
FROM (
    SELECT CASE WHEN GROUPING(d.region) = 1 THEN 'ALL' ELSE d.region END AS region,
           CASE WHEN GROUPING(d.category) = 1 THEN 'ALL' ELSE coalesce(d.category, 'none') END AS category,
           round(sum(f.amount_cents) / 100.0, 2) AS revenue,
           GROUPING(d.region) AS g_region, d.region AS region_key,
           GROUPING(d.category) AS g_category,
           CASE WHEN d.category IS NULL THEN 1 ELSE 0 END AS null_last, d.category AS category_key
    FROM fact_sales f
    CROSS JOIN LATERAL (
        SELECT (SELECT region FROM dim_store WHERE store_key = f.store_key) AS region,
               (SELECT category FROM dim_product WHERE product_key = f.product_key) AS category
    ) d
    WHERE to_char(f.sold_on, 'YYYY') = '2024'
    GROUP BY ROLLUP (d.region, d.category)
) r
ORDER BY g_region, region_key, g_category, null_last, category_key;
