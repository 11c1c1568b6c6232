CREATE MATERIALIZED VIEW daily_revenue AS
WITH sales_with_region AS (
    SELECT f.sold_on, s.region, f.amount_cents
    FROM fact_sales f
    JOIN dim_store s ON s.store_key = f.store_key
)
SELECT sold_on, region, sum(amount_cents) AS revenue_cents, count(*) AS sales
FROM sales_with_region
GROUP BY sold_on, region;

CREATE UNIQUE INDEX daily_revenue_uq ON daily_revenue (sold_on, region);
