-- Q7 support searches a fragment of the customer's purchase-order reference. :'fragment'
SELECT shipment_id, customer_ref
FROM brightwater.shipments
WHERE customer_ref ILIKE '%' || :'fragment' || '%'
ORDER BY shipment_id
LIMIT 20;
