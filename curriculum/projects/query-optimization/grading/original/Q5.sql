-- Q5 a customer's shipments that were never returned. :customer
SELECT count(*) AS never_returned
FROM brightwater.shipments AS s
WHERE s.customer_id = :customer
  AND s.shipment_id NOT IN (SELECT r.return_of FROM brightwater.shipments AS r WHERE r.return_of IS NOT NULL);
