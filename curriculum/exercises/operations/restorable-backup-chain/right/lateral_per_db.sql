-- Per database, the restorable backups found by walking down from usable fulls; LATERAL picks the newest.
WITH RECURSIVE good AS (
    SELECT r.id, r.db, r.kind, r.finished_at, 1 AS pieces
    FROM backup_runs r
    WHERE r.kind = 'full' AND r.status = 'ok' AND r.finished_at <= '2024-03-08 12:00+00'
    UNION ALL
    SELECT r.id, r.db, r.kind, r.finished_at, g.pieces + 1
    FROM backup_runs r JOIN good g ON r.base_id = g.id
    WHERE r.status = 'ok' AND r.finished_at <= '2024-03-08 12:00+00'
)
SELECT d.db, pick.id AS restore_from, pick.kind, pick.pieces
FROM (SELECT DISTINCT db FROM good) d
CROSS JOIN LATERAL (
    SELECT g.id, g.kind, g.pieces FROM good g WHERE g.db = d.db ORDER BY g.finished_at DESC LIMIT 1
) pick
ORDER BY d.db;
