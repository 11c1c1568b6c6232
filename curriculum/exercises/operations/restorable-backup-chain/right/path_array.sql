-- Carry the statuses along the path upward; a chain is good when it reaches a full with no bad status.
WITH RECURSIVE up AS (
    SELECT id AS start_id, base_id, kind AS link_kind, ARRAY[status] AS statuses,
           ARRAY[finished_at] AS finishes
    FROM backup_runs
    UNION ALL
    SELECT up.start_id, b.base_id, b.kind, up.statuses || b.status, up.finishes || b.finished_at
    FROM up JOIN backup_runs b ON b.id = up.base_id
),
complete AS (
    SELECT start_id, cardinality(statuses) AS pieces
    FROM up
    WHERE base_id IS NULL  -- reached the full
      AND NOT ('corrupt' = ANY (statuses) OR 'failed' = ANY (statuses))
      AND (SELECT max(f) FROM unnest(finishes) f) <= '2024-03-08 12:00+00'
)
SELECT b.db, b.id AS restore_from, b.kind, c.pieces
FROM complete c JOIN backup_runs b ON b.id = c.start_id
WHERE NOT EXISTS (
    SELECT 1 FROM complete c2 JOIN backup_runs b2 ON b2.id = c2.start_id
    WHERE b2.db = b.db AND b2.finished_at > b.finished_at
)
ORDER BY b.db;
