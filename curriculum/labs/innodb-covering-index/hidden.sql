-- The second dataset: other totals and dates for a third of the customers, fewer orders.
UPDATE orders SET total_cents = total_cents + 7, placed_at = placed_at - INTERVAL 1 DAY
WHERE customer_id % 3 = 0;
DELETE FROM orders WHERE id % 5 = 0;
