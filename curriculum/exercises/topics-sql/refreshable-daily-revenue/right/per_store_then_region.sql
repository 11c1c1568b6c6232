-- Aggregate per store first, then per region.
CREATE MATERIALIZED VIEW daily_revenue AS
SELECT per_store.sold_on, s.region,
       sum(per_store.cents) AS revenue_cents,
       sum(per_store.n) AS sales
FROM (
    SELECT sold_on, store_key, sum(amount_cents) AS cents, count(*) AS n
    FROM fact_sales
    GROUP BY sold_on, store_key
) per_store
JOIN dim_store s ON s.store_key = per_store.store_key
GROUP BY per_store.sold_on, s.region;

CREATE UNIQUE INDEX ON daily_revenue (sold_on, region);
