-- Customers with at least two completed (paid or shipped) orders placed in 2024.
-- Columns: customer_id, full_name, orders, total. Sort: total DESC, customer_id.
SELECT c.customer_id, c.full_name
FROM customers c
JOIN orders o ON o.customer_id = c.customer_id
-- JOIN order_items ...
-- WHERE ...
GROUP BY c.customer_id, c.full_name
-- HAVING ...
ORDER BY c.customer_id;
