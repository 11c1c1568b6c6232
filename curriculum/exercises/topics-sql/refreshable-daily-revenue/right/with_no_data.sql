-- Create it empty, add the key, then fill it. (The first refresh cannot be CONCURRENTLY:
-- an unpopulated view has nothing to compare with.)
CREATE MATERIALIZED VIEW daily_revenue AS
SELECT fact_sales.sold_on,
       dim_store.region,
       sum(fact_sales.amount_cents) AS revenue_cents,
       count(*) AS sales
FROM fact_sales
INNER JOIN dim_store USING (store_key)
GROUP BY fact_sales.sold_on, dim_store.region
WITH NO DATA;

CREATE UNIQUE INDEX ON daily_revenue (sold_on, region);
REFRESH MATERIALIZED VIEW daily_revenue;
