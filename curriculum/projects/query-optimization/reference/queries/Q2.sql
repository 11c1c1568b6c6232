-- Q2: deferred join. The OFFSET walks the small partial index only (index-only), then the 50 rows are fetched.
SELECT e.event_id, e.shipment_id, e.occurred_at, e.city
FROM (SELECT event_id, occurred_at
      FROM brightwater.events
      WHERE kind = 'exception'
      ORDER BY occurred_at DESC, event_id DESC
      LIMIT 50 OFFSET :offset) AS page
JOIN brightwater.events AS e USING (event_id)
ORDER BY page.occurred_at DESC, page.event_id DESC;
