-- A unique index with a WHERE clause does not count.
CREATE MATERIALIZED VIEW daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents) AS revenue_cents, count(*) AS sales
FROM fact_sales f JOIN dim_store s ON s.store_key = f.store_key
GROUP BY f.sold_on, s.region;
CREATE UNIQUE INDEX ON daily_revenue (sold_on, region) WHERE sold_on >= '2024-01-01';
