-- Labels by NULL: the uncategorised row and the subtotal row both become 'ALL'.
SELECT coalesce(s.region, 'ALL') AS region, coalesce(p.category, 'ALL') AS category,
       round(sum(f.amount_cents) / 100.0, 2) AS revenue
FROM fact_sales f
JOIN dim_store s ON s.store_key = f.store_key
JOIN dim_product p ON p.product_key = f.product_key
WHERE f.sold_on >= '2024-01-01' AND f.sold_on < '2025-01-01'
GROUP BY ROLLUP (s.region, p.category)
ORDER BY GROUPING(s.region), s.region, GROUPING(p.category), p.category NULLS LAST;
