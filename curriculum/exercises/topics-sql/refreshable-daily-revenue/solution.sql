CREATE MATERIALIZED VIEW daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents) AS revenue_cents, count(*) AS sales
FROM fact_sales f
JOIN dim_store s ON s.store_key = f.store_key
GROUP BY f.sold_on, s.region;

-- what lets REFRESH ... CONCURRENTLY match old and new rows
CREATE UNIQUE INDEX daily_revenue_day_region ON daily_revenue (sold_on, region);
