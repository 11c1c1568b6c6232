-- Q2 the operations dashboard's exception feed, page by page. :offset
SELECT e.event_id, e.shipment_id, e.occurred_at, e.city
FROM brightwater.events AS e
WHERE e.kind = 'exception'
ORDER BY e.occurred_at DESC, e.event_id DESC
LIMIT 50 OFFSET :offset;
