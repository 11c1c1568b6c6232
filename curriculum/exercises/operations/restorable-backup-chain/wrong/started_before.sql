-- Counts a backup that had started by noon, even if it finished after.
WITH RECURSIVE restorable AS (
    SELECT id, db, kind, finished_at, 1 AS pieces FROM backup_runs
    WHERE kind = 'full' AND status = 'ok' AND started_at <= '2024-03-08 12:00+00'
    UNION ALL
    SELECT b.id, b.db, b.kind, b.finished_at, r.pieces + 1
    FROM backup_runs b JOIN restorable r ON b.base_id = r.id
    WHERE b.status = 'ok' AND b.started_at <= '2024-03-08 12:00+00'
)
SELECT DISTINCT ON (db) db, id AS restore_from, kind, pieces
FROM restorable ORDER BY db, finished_at DESC;
