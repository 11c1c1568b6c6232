-- Writes events for today's payments by hand instead of installing a trigger.
INSERT INTO outbox (aggregate_id, event_type, payload)
SELECT id, 'PaymentCreated', jsonb_build_object('order_ref', order_ref, 'amount', amount, 'status', status)
FROM payments ORDER BY id;
