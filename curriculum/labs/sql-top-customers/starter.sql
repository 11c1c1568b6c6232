-- Each country's top 3 customers by paid revenue (ties included).
-- Columns: country, customer_id, name, orders, revenue, share_pct, rank
-- Sort: country, rank, customer_id
--
-- Step 1: one row per customer with their paid orders and revenue (in cents).
-- Step 2: rank customers inside their country and compute their share.
-- Step 3: keep the top 3 ranks.
WITH customer_revenue AS (
    SELECT c.customer_id, c.name, c.country
           -- , number of paid orders, revenue in cents
    FROM customers c
    JOIN orders o ON o.customer_id = c.customer_id
    -- JOIN order_items ...
    -- WHERE ...
    GROUP BY c.customer_id, c.name, c.country
)
SELECT country, customer_id, name
FROM customer_revenue
ORDER BY country, customer_id;
