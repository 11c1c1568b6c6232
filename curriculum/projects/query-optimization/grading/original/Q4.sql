-- Q4 the newest shipments in a given status (most are 'delivered'; the dashboard asks for the rare ones). :'status'
SELECT shipment_id, customer_id, created_at
FROM brightwater.shipments
WHERE status = :'status'
ORDER BY created_at DESC, shipment_id DESC
LIMIT 50;
