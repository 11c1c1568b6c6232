-- One Quillstack shard (shard 1 of 4): the standby for the weekly SLA reports starts from a base backup of it.
CREATE TABLE tickets (
    id         bigint PRIMARY KEY,
    tenant_id  int NOT NULL,
    subject    text NOT NULL,
    status     text NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    priority   smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    created_at timestamptz NOT NULL,
    solved_at  timestamptz
);
INSERT INTO tickets
SELECT g,
       1 + (g * 7919) % 100,
       'ticket ' || g,
       (ARRAY['open', 'pending', 'solved', 'closed', 'closed'])[1 + g % 5],
       1 + g % 4,
       timestamptz '2025-01-01 00:00+00' + g * interval '41 minutes',
       CASE WHEN g % 5 >= 2 THEN timestamptz '2025-01-01 00:00+00' + g * interval '41 minutes' + (g % 80) * interval '1 hour' END
FROM generate_series(1, 3000) g;
