-- Lindqvist Vet records primary: the standby starts from a base backup of it.
CREATE TABLE tickets (
    id          bigint PRIMARY KEY,
    customer_id int NOT NULL,
    subject     text NOT NULL,
    status      text NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    priority    smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    opened_at   timestamptz NOT NULL,
    solved_at   timestamptz
);
INSERT INTO tickets
SELECT g,
       1 + (g * 7919) % 300,
       'ticket ' || g,
       (ARRAY['open', 'pending', 'solved', 'closed', 'closed'])[1 + g % 5],
       1 + g % 4,
       timestamptz '2024-01-01 00:00+00' + g * interval '37 minutes',
       CASE WHEN g % 5 >= 2 THEN timestamptz '2024-01-01 00:00+00' + g * interval '37 minutes' + (g % 72) * interval '1 hour' END
FROM generate_series(1, 4000) g;

CREATE TABLE comments (
    id        bigint PRIMARY KEY,
    ticket_id bigint NOT NULL REFERENCES tickets,
    author    text NOT NULL,
    body      text NOT NULL,
    posted_at timestamptz NOT NULL
);
INSERT INTO comments
SELECT row_number() OVER (ORDER BY t, c), t, CASE WHEN c % 2 = 1 THEN 'customer' ELSE 'agent' END,
       md5((t * 10 + c)::text), timestamptz '2024-01-01 00:00+00' + t * interval '37 minutes' + c * interval '20 minutes'
FROM generate_series(1, 4000) t, generate_series(1, 3) c;
CREATE INDEX comments_ticket_id ON comments (ticket_id);
