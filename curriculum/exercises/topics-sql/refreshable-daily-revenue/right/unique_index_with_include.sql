CREATE MATERIALIZED VIEW daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents)::numeric AS revenue_cents, count(*)::integer AS sales
FROM fact_sales f
JOIN dim_store s ON s.store_key = f.store_key
GROUP BY f.sold_on, s.region
ORDER BY f.sold_on, s.region;

-- the key, with the revenue carried in the index for index-only scans
CREATE UNIQUE INDEX daily_revenue_key_incl ON daily_revenue (sold_on, region) INCLUDE (revenue_cents);
