-- A table holds the rows but not the query: REFRESH has nothing to run.
CREATE TABLE daily_revenue AS
SELECT f.sold_on, s.region, sum(f.amount_cents) AS revenue_cents, count(*) AS sales
FROM fact_sales f JOIN dim_store s ON s.store_key = f.store_key
GROUP BY f.sold_on, s.region;
ALTER TABLE daily_revenue ADD PRIMARY KEY (sold_on, region);
