CREATE MATERIALIZED VIEW daily_revenue AS
SELECT sold_on, region, sum(amount_cents) AS revenue_cents, count(*) AS sales
FROM (
    SELECT f.sold_on,
           (SELECT s.region FROM dim_store s WHERE s.store_key = f.store_key) AS region,
           f.amount_cents
    FROM fact_sales f
) x
GROUP BY 1, 2;

CREATE UNIQUE INDEX daily_revenue_sold_on_region_idx ON daily_revenue USING btree (sold_on, region);
