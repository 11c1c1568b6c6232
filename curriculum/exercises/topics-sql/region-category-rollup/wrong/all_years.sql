-- Forgets the year filter.
SELECT CASE WHEN GROUPING(s.region) = 1 THEN 'ALL' ELSE s.region END AS region,
       CASE WHEN GROUPING(p.category) = 1 THEN 'ALL' ELSE coalesce(p.category, 'none') END AS category,
       round(sum(f.amount_cents) / 100.0, 2) AS revenue
FROM fact_sales f
JOIN dim_store s ON s.store_key = f.store_key
JOIN dim_product p ON p.product_key = f.product_key
GROUP BY ROLLUP (s.region, p.category)
ORDER BY GROUPING(s.region), s.region, GROUPING(p.category), p.category NULLS LAST;
