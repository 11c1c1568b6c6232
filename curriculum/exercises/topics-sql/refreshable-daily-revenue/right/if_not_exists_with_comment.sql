CREATE MATERIALIZED VIEW IF NOT EXISTS public.daily_revenue (sold_on, region, revenue_cents, sales) AS
SELECT fs.sold_on, ds.region, sum(fs.amount_cents), count(fs.*)
FROM public.fact_sales AS fs, public.dim_store AS ds
WHERE ds.store_key = fs.store_key
GROUP BY fs.sold_on, ds.region;

COMMENT ON MATERIALIZED VIEW daily_revenue IS 'Refreshed every 5 minutes, CONCURRENTLY';
CREATE UNIQUE INDEX IF NOT EXISTS daily_revenue_unique ON public.daily_revenue (sold_on, region);
