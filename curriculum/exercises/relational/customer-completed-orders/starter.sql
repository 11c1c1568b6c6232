-- Every customer, their number of completed (paid or shipped) orders and the date of the
-- most recent one. Columns: customer_id, full_name, completed_orders, last_completed_on
SELECT c.customer_id, c.full_name
FROM customers c
-- join the orders here
ORDER BY c.customer_id;
