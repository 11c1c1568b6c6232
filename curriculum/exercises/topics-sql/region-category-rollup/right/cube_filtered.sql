-- CUBE computes every combination; keep only the ones the report wants.
SELECT CASE WHEN GROUPING(s.region) = 1 THEN 'ALL' ELSE s.region END AS region,
       CASE WHEN GROUPING(p.category) = 1 THEN 'ALL' ELSE coalesce(p.category, 'none') END AS category,
       round(sum(f.amount_cents)::numeric / 100, 2) AS revenue
FROM fact_sales f, dim_store s, dim_product p
WHERE s.store_key = f.store_key AND p.product_key = f.product_key
  AND date_trunc('year', f.sold_on) = DATE '2024-01-01'
GROUP BY CUBE (s.region, p.category)
HAVING NOT (GROUPING(s.region) = 1 AND GROUPING(p.category) = 0)
ORDER BY GROUPING(s.region), s.region, GROUPING(p.category), p.category NULLS LAST;
