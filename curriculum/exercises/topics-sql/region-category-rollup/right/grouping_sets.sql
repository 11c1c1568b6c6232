SELECT CASE WHEN GROUPING(s.region) = 1 THEN 'ALL' ELSE s.region END AS region,
       CASE WHEN GROUPING(p.category) = 1 THEN 'ALL' WHEN p.category IS NULL THEN 'none'
            ELSE p.category END AS category,
       round(sum(f.amount_cents) / 100.0, 2) AS revenue
FROM fact_sales f
JOIN dim_store s   USING (store_key)
JOIN dim_product p USING (product_key)
WHERE extract(year FROM f.sold_on) = 2024
GROUP BY GROUPING SETS ((s.region, p.category), (s.region), ())
ORDER BY GROUPING(s.region), s.region, GROUPING(p.category), p.category IS NULL, p.category;
