-- Q3 which customers had most activity at one hub since June 2025. :'city', :'country'
SELECT s.customer_id, count(*) AS events
FROM brightwater.events AS e
JOIN brightwater.shipments AS s ON s.shipment_id = e.shipment_id
WHERE e.city = :'city' AND e.country = :'country' AND e.occurred_at >= timestamptz '2025-06-01 00:00+00'
GROUP BY s.customer_id
ORDER BY events DESC, s.customer_id
LIMIT 10;
