-- What the 501 statements of the log return together, for :customer, computed the way the platform
-- can afford whatever indexes exist (one hash join instead of 500 probes).
WITH s AS (
    SELECT shipment_id, tracking_code, status, created_at FROM brightwater.shipments
    WHERE customer_id = :customer ORDER BY created_at DESC, shipment_id DESC LIMIT 500
), last AS (
    SELECT DISTINCT ON (e.shipment_id) e.shipment_id, e.occurred_at, e.kind, e.city
    FROM brightwater.events AS e JOIN s USING (shipment_id)
    ORDER BY e.shipment_id, e.occurred_at DESC, e.event_id DESC
)
SELECT s.shipment_id, s.tracking_code, s.status, s.created_at,
       last.occurred_at AS last_event_at, last.kind AS last_kind, last.city AS last_city
FROM s JOIN last USING (shipment_id)
ORDER BY s.created_at DESC, s.shipment_id DESC;
