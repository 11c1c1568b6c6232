-- Another day: more payments, other states, and an outbox that already holds unpublished rows.
TRUNCATE payments, outbox RESTART IDENTITY;
INSERT INTO payments (id, order_ref, amount, status, note) VALUES
    (10, 'ord-2010', 14.00,  'authorized', NULL),
    (11, 'ord-2011', 220.00, 'captured',   'split shipment'),
    (12, 'ord-2012', 5.00,   'authorized', NULL),
    (13, 'ord-2013', 71.40,  'refunded',   NULL),
    (14, 'ord-2014', 33.00,  'captured',   NULL),
    (15, 'ord-2015', 9.99,   'authorized', NULL),
    (16, 'ord-2016', 120.00, 'failed',     NULL);
SELECT setval(pg_get_serial_sequence('payments', 'id'), 16);
INSERT INTO outbox (aggregate_id, event_type, payload) VALUES
    (16, 'PaymentStatusChanged', '{"from": "authorized", "to": "failed"}');
