-- Quillstack's coordinator before sharding. Customers are the companies that buy the helpdesk;
-- the oldest customers are the biggest, and ticket volume has grown month after month.
CREATE TABLE customers (
    id        int PRIMARY KEY,
    name      text NOT NULL,
    plan      text NOT NULL CHECK (plan IN ('starter', 'team', 'enterprise')),
    signed_up date NOT NULL
);
INSERT INTO customers
SELECT g, 'customer ' || g, (ARRAY['enterprise', 'team', 'team', 'starter', 'starter'])[1 + least(g / 60, 4)],
       date '2022-06-01' + g * 2
FROM generate_series(1, 300) g;

-- 6000 tickets: ids grow with time; a few large customers own many tickets.
CREATE TABLE tickets (
    id          bigint PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers,
    subject     text NOT NULL,
    status      text NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    created_at  timestamptz NOT NULL
);
INSERT INTO tickets
SELECT g,
       1 + floor(300 * power(((g * 7919) % 6000 + 0.5) / 6000.0, 1.6))::int,
       'ticket ' || g,
       (ARRAY['open', 'pending', 'solved', 'closed', 'closed'])[1 + g % 5],
       timestamptz '2023-01-01 00:00+00' + sqrt(g / 6000.0) * interval '729 days'
FROM generate_series(1, 6000) g;

-- One to five comments per ticket. customer_id is copied from the ticket on purpose.
CREATE TABLE comments (
    id          bigint PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets,
    customer_id int NOT NULL,
    author      text NOT NULL CHECK (author IN ('customer', 'agent')),
    body        text NOT NULL,
    created_at  timestamptz NOT NULL
);
INSERT INTO comments
SELECT row_number() OVER (ORDER BY t.id, c), t.id, t.customer_id,
       CASE WHEN c % 2 = 1 THEN 'customer' ELSE 'agent' END,
       md5((t.id * 10 + c)::text), t.created_at + c * interval '3 hours'
FROM tickets t, generate_series(1, 5) c
WHERE c <= 1 + (t.id * 13) % 5;
