-- Walk up only through usable links; a candidate is restorable when the walk ends at a full.
WITH RECURSIVE walk AS (
    SELECT b.id AS candidate, b.id AS at_id, b.kind AS at_kind, b.base_id, 1 AS pieces
    FROM backup_runs b
    WHERE b.status = 'ok' AND b.finished_at <= '2024-03-08 12:00+00'
    UNION ALL
    SELECT w.candidate, p.id, p.kind, p.base_id, w.pieces + 1
    FROM walk w JOIN backup_runs p ON p.id = w.base_id
    WHERE p.status = 'ok' AND p.finished_at <= '2024-03-08 12:00+00'
)
SELECT DISTINCT ON (c.db) c.db, c.id AS restore_from, c.kind, w.pieces
FROM walk w JOIN backup_runs c ON c.id = w.candidate
WHERE w.at_kind = 'full'
ORDER BY c.db, c.finished_at DESC;
