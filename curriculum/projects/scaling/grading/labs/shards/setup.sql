-- Quillstack's single server before sharding (the scaling project's coordinator). 400 tenants,
-- heavily skewed: the ten largest own about a fifth of the tickets (tenant 1 alone 525), most tenants are tiny.
CREATE TABLE tenants (
    id    int PRIMARY KEY,
    name  text NOT NULL,
    plan  text NOT NULL CHECK (plan IN ('free', 'team', 'enterprise'))
);
INSERT INTO tenants
SELECT g, 'tenant ' || g, CASE WHEN g <= 10 THEN 'enterprise' WHEN g <= 80 THEN 'team' ELSE 'free' END
FROM generate_series(1, 400) g;

-- 8000 tickets: tenant 1 is the largest, sizes fall off like a power law.
CREATE TABLE tickets (
    id         bigint PRIMARY KEY,
    tenant_id  int NOT NULL REFERENCES tenants,
    subject    text NOT NULL,
    status     text NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    priority   smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    created_at timestamptz NOT NULL
);
INSERT INTO tickets
SELECT g,
       1 + floor(400 * power(((g * 7919) % 8000 + 0.5) / 8000.0, 2.2))::int,
       'ticket ' || g,
       (ARRAY['open', 'pending', 'solved', 'closed', 'closed'])[1 + g % 5],
       1 + g % 4,
       timestamptz '2025-01-01 00:00+00' + (g / 8000.0) * interval '600 days'
FROM generate_series(1, 8000) g;

-- One to four comments per ticket; tenant_id is carried on every comment.
CREATE TABLE comments (
    id         bigint PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets,
    tenant_id  int NOT NULL,
    author     text NOT NULL CHECK (author IN ('requester', 'agent')),
    body       text NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO comments
SELECT row_number() OVER (ORDER BY t.id, c), t.id, t.tenant_id,
       CASE WHEN c % 2 = 1 THEN 'requester' ELSE 'agent' END,
       'comment ' || c || ' on ticket ' || t.id,
       t.created_at + c * interval '3 hours'
FROM tickets t, generate_series(1, 1 + t.id::int % 4) c;
ANALYZE;
