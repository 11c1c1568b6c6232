-- Window sums and DISTINCT instead of GROUP BY.
CREATE MATERIALIZED VIEW daily_revenue AS
SELECT DISTINCT f.sold_on, s.region,
       sum(f.amount_cents) OVER w AS revenue_cents,
       count(*) OVER w AS sales
FROM fact_sales f
JOIN dim_store s ON s.store_key = f.store_key
WINDOW w AS (PARTITION BY f.sold_on, s.region);

CREATE UNIQUE INDEX daily_revenue_pk ON daily_revenue (sold_on, region);
