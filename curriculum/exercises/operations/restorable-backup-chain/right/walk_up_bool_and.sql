-- From every candidate, walk up the chain and keep the candidate if every link is usable.
WITH RECURSIVE chain AS (
    SELECT id AS candidate, id, base_id, status, finished_at
    FROM backup_runs
    UNION ALL
    SELECT c.candidate, b.id, b.base_id, b.status, b.finished_at
    FROM chain c JOIN backup_runs b ON b.id = c.base_id
),
usable AS (
    SELECT candidate, count(*) AS pieces
    FROM chain
    GROUP BY candidate
    HAVING bool_and(status = 'ok' AND finished_at <= timestamptz '2024-03-08 12:00:00+00')
)
SELECT DISTINCT ON (r.db) r.db, r.id AS restore_from, r.kind, u.pieces
FROM usable u JOIN backup_runs r ON r.id = u.candidate
ORDER BY r.db, r.finished_at DESC;
