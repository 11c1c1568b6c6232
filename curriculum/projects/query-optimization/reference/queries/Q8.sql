-- Q8 a customer's events per day, for the activity chart. :customer
SELECT (e.occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS events
FROM brightwater.events AS e
JOIN brightwater.shipments AS s ON s.shipment_id = e.shipment_id
WHERE s.customer_id = :customer
GROUP BY 1
ORDER BY 1;
