-- GROUPING(a, b) as one bit mask: 0 detail, 1 region subtotal, 3 grand total.
SELECT CASE WHEN GROUPING(s.region, p.category) = 3 THEN 'ALL' ELSE s.region END AS region,
       CASE WHEN GROUPING(s.region, p.category) >= 1 THEN 'ALL'
            ELSE coalesce(p.category, 'none') END AS category,
       round(sum(f.amount_cents) / 100.0, 2) AS revenue
FROM fact_sales AS f
INNER JOIN dim_store AS s ON f.store_key = s.store_key
INNER JOIN dim_product AS p ON f.product_key = p.product_key
WHERE f.sold_on >= make_date(2024, 1, 1) AND f.sold_on <= make_date(2024, 12, 31)
GROUP BY ROLLUP (s.region, p.category)
ORDER BY GROUPING(s.region, p.category) = 3, s.region,
         GROUPING(s.region, p.category), p.category IS NULL, p.category;
