SELECT CASE GROUPING(s.region) WHEN 1 THEN 'ALL' ELSE s.region END AS region,
       CASE WHEN GROUPING(p.category) = 1 THEN 'ALL'
            WHEN p.category IS NULL THEN 'none'
            ELSE p.category END AS category,
       (sum(f.amount_cents)::numeric / 100)::numeric(14, 2) AS revenue
FROM fact_sales f
JOIN dim_store s ON s.store_key = f.store_key
JOIN dim_product p ON p.product_key = f.product_key
WHERE f.sold_on BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'
GROUP BY ROLLUP (s.region, p.category)
ORDER BY GROUPING(s.region) ASC, s.region ASC, GROUPING(p.category) ASC, p.category ASC NULLS LAST;
