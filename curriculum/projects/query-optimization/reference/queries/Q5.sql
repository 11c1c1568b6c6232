-- Q5: NOT EXISTS instead of NOT IN: an anti-join that probes the return_of index per shipment.
-- Same result here because the subquery already excludes NULLs.
SELECT count(*) AS never_returned
FROM brightwater.shipments AS s
WHERE s.customer_id = :customer
  AND NOT EXISTS (SELECT 1 FROM brightwater.shipments AS r WHERE r.return_of = s.shipment_id);
