-- One row per store and day: regions with several stores appear several times.
CREATE MATERIALIZED VIEW daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents) AS revenue_cents, count(*) AS sales
FROM fact_sales f JOIN dim_store s ON s.store_key = f.store_key
GROUP BY f.sold_on, s.store_key, s.region;
CREATE UNIQUE INDEX ON daily_revenue (sold_on, region, revenue_cents, sales);
