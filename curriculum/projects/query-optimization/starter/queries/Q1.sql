-- Q1 "where is my parcel": the tracking page, whatever case the customer typed the code in. :'code'
SELECT e.event_id, e.occurred_at, e.kind, e.city
FROM brightwater.events AS e
JOIN brightwater.shipments AS s ON s.shipment_id = e.shipment_id
WHERE lower(s.tracking_code) = lower(:'code')
ORDER BY e.occurred_at DESC, e.event_id DESC;
