-- Q1: unchanged; the expression index on lower(tracking_code) and events(shipment_id) serve it.
SELECT e.event_id, e.occurred_at, e.kind, e.city
FROM brightwater.events AS e
JOIN brightwater.shipments AS s ON s.shipment_id = e.shipment_id
WHERE lower(s.tracking_code) = lower(:'code')
ORDER BY e.occurred_at DESC, e.event_id DESC;
