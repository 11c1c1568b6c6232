-- Detail rows with window sums, then the subtotal rows picked out of them.
WITH detail AS (
    SELECT s.region, p.category, sum(f.amount_cents) AS cents
    FROM fact_sales f
    JOIN dim_store s ON s.store_key = f.store_key
    JOIN dim_product p ON p.product_key = f.product_key
    WHERE f.sold_on >= '2024-01-01' AND f.sold_on < '2025-01-01'
    GROUP BY 1, 2
),
with_totals AS (
    SELECT region, category, cents,
           sum(cents) OVER (PARTITION BY region) AS region_cents,
           sum(cents) OVER () AS all_cents
    FROM detail
)
SELECT region, category, revenue FROM (
    SELECT region, coalesce(category, 'none') AS category, round(cents / 100.0, 2) AS revenue,
           1 AS grp, region AS rkey, 0 AS lvl, category IS NULL AS nul, category AS ckey
    FROM with_totals
    UNION ALL
    SELECT DISTINCT region, 'ALL', round(region_cents / 100.0, 2), 1, region, 1, false, NULL
    FROM with_totals
    UNION ALL
    SELECT DISTINCT 'ALL', 'ALL', round(all_cents / 100.0, 2), 2, NULL, 1, false, NULL
    FROM with_totals
) x
ORDER BY grp, rkey, lvl, nul, ckey;
