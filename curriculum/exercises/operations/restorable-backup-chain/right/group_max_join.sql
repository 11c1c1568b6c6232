WITH RECURSIVE usable_chain AS (
    SELECT id, db, kind, finished_at, 1::bigint AS pieces
    FROM backup_runs
    WHERE kind = 'full'
      AND status = 'ok'
      AND finished_at <= '2024-03-08 12:00:00+00'::timestamptz
  UNION ALL
    SELECT nxt.id, nxt.db, nxt.kind, nxt.finished_at, prev.pieces + 1
    FROM usable_chain prev
    INNER JOIN backup_runs nxt ON nxt.base_id = prev.id
    WHERE nxt.status = 'ok'
      AND nxt.finished_at <= '2024-03-08 12:00:00+00'::timestamptz
),
latest AS (
    SELECT db, max(finished_at) AS finished_at FROM usable_chain GROUP BY db
)
SELECT u.db, u.id AS restore_from, u.kind, u.pieces
FROM usable_chain u
JOIN latest l USING (db, finished_at)
ORDER BY u.db ASC;
