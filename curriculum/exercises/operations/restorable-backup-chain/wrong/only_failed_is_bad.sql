-- Treats only 'failed' runs as unusable: a corrupt backup still breaks its chain.
WITH RECURSIVE restorable AS (
    SELECT id, db, kind, finished_at, 1 AS pieces FROM backup_runs
    WHERE kind = 'full' AND status <> 'failed' AND finished_at <= '2024-03-08 12:00+00'
    UNION ALL
    SELECT b.id, b.db, b.kind, b.finished_at, r.pieces + 1
    FROM backup_runs b JOIN restorable r ON b.base_id = r.id
    WHERE b.status <> 'failed' AND b.finished_at <= '2024-03-08 12:00+00'
)
SELECT DISTINCT ON (db) db, id AS restore_from, kind, pieces
FROM restorable ORDER BY db, finished_at DESC;
