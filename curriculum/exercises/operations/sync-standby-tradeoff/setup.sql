-- Brightpay's ledger: every acknowledged payment must survive the loss of the primary.
CREATE TABLE payments (
    id          bigint PRIMARY KEY,
    merchant_id int NOT NULL,
    amount      numeric(12,2) NOT NULL CHECK (amount > 0),
    currency    char(3) NOT NULL,
    captured_at timestamptz NOT NULL
);
INSERT INTO payments
SELECT g, 1 + g % 80, round((5 + (g * 7919) % 50000 / 100.0)::numeric, 2),
       (ARRAY['EUR', 'GBP', 'USD'])[1 + g % 3],
       timestamptz '2024-04-01 00:00+00' + g * interval '3 minutes'
FROM generate_series(1, 2000) g;
