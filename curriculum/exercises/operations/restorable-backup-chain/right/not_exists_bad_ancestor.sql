-- Pairs (backup, ancestor-or-self) for the whole catalogue, then reject any backup with a bad link.
WITH RECURSIVE lineage AS (
    SELECT id AS backup_id, id AS link_id, base_id AS next_id FROM backup_runs
    UNION ALL
    SELECT l.backup_id, b.id, b.base_id
    FROM lineage l JOIN backup_runs b ON b.id = l.next_id
),
candidates AS (
    SELECT b.*,
           (SELECT count(*) FROM lineage l WHERE l.backup_id = b.id) AS pieces
    FROM backup_runs b
    WHERE NOT EXISTS (
        SELECT 1 FROM lineage l JOIN backup_runs x ON x.id = l.link_id
        WHERE l.backup_id = b.id
          AND (x.status <> 'ok' OR x.finished_at > '2024-03-08 12:00+00')
    )
)
SELECT c.db, c.id AS restore_from, c.kind, c.pieces
FROM candidates c
WHERE c.finished_at = (SELECT max(finished_at) FROM candidates c2 WHERE c2.db = c.db)
ORDER BY c.db;
