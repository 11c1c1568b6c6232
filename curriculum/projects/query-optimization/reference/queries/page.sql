-- The "My shipments" page in one statement: the customer's latest 500 shipments, each with its latest event.
SELECT s.shipment_id, s.tracking_code, s.status, s.created_at,
       last.occurred_at AS last_event_at, last.kind AS last_kind, last.city AS last_city
FROM (SELECT shipment_id, tracking_code, status, created_at
      FROM brightwater.shipments
      WHERE customer_id = :customer
      ORDER BY created_at DESC, shipment_id DESC
      LIMIT 500) AS s
CROSS JOIN LATERAL (SELECT e.occurred_at, e.kind, e.city
                    FROM brightwater.events AS e
                    WHERE e.shipment_id = s.shipment_id
                    ORDER BY e.occurred_at DESC, e.event_id DESC
                    LIMIT 1) AS last
ORDER BY s.created_at DESC, s.shipment_id DESC;
