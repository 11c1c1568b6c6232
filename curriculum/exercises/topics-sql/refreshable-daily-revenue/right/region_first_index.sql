CREATE MATERIALIZED VIEW daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents) AS revenue_cents, count(*) AS sales
FROM fact_sales f JOIN dim_store s ON s.store_key = f.store_key
GROUP BY s.region, f.sold_on;

CREATE UNIQUE INDEX daily_revenue_key ON daily_revenue (region, sold_on);
CREATE INDEX daily_revenue_by_day ON daily_revenue (sold_on);
