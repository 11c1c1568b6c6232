-- A plain view: nothing to refresh, the refresh command fails.
CREATE VIEW daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents) AS revenue_cents, count(*) AS sales
FROM fact_sales f JOIN dim_store s ON s.store_key = f.store_key
GROUP BY f.sold_on, s.region;
