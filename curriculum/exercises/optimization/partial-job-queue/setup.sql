-- A background job queue: 400,000 jobs over the last few months. Almost all are done, 1% failed,
-- and 1,000 (one in 400, spread over the whole history) are still pending.
CREATE TABLE jobs (
    id         bigint PRIMARY KEY,
    queue      text NOT NULL,
    status     text NOT NULL,
    attempts   integer NOT NULL,
    payload    text NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO jobs
SELECT g,
       (ARRAY['email', 'billing', 'thumbnails', 'webhooks'])[1 + g % 4],
       CASE WHEN g % 400 = 0 THEN 'pending' WHEN g % 100 = 7 THEN 'failed' ELSE 'done' END,
       CASE WHEN g % 100 = 7 THEN 5 ELSE 1 END,
       repeat('p', 80),
       timestamptz '2024-01-01 00:00+00' + g * interval '30 seconds' - ((g::bigint * 7919) % 600) * interval '1 second'
FROM generate_series(1, 400000) AS g;
