-- Q2: keyset pagination, the fast way to page: remember the last row of the previous page.
SELECT e.event_id, e.shipment_id, e.occurred_at, e.city
FROM brightwater.events AS e
WHERE e.kind = 'exception'
  AND (e.occurred_at, e.event_id) < (:'last_seen_at'::timestamptz, :last_seen_id)
ORDER BY e.occurred_at DESC, e.event_id DESC
LIMIT 50;
