-- A ticketing system: 150,000 tickets (closed, open or escalated) and tonight's import of
-- 40,000 tickets merged from an acquired help desk, waiting in tickets_import. Both tables
-- were analyzed when they were loaded; 'merged' is a status tickets has never held.
CREATE TABLE tickets (
    id        integer PRIMARY KEY,
    tenant_id integer NOT NULL,
    status    text NOT NULL,
    priority  integer NOT NULL,
    opened_at timestamptz NOT NULL
);
INSERT INTO tickets
SELECT g, 1 + (g * 7919) % 3000,
       CASE WHEN g % 100 < 85 THEN 'closed' WHEN g % 100 < 97 THEN 'open' ELSE 'escalated' END,
       1 + g % 5, timestamptz '2024-01-01 00:00+00' + g * interval '90 seconds'
FROM generate_series(1, 150000) AS g;

CREATE TABLE tickets_import (LIKE tickets);
INSERT INTO tickets_import
SELECT 150000 + g, 3001 + g % 400, 'merged', 3, timestamptz '2024-05-10 00:00+00' + g * interval '1 second'
FROM generate_series(1, 40000) AS g;
