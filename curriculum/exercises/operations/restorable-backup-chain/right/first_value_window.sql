WITH RECURSIVE
  cutoff(t) AS (VALUES (timestamptz '2024-03-08 12:00+00')),
  links AS (                                  -- every backup with each link of its chain
    SELECT id AS top, id AS link, base_id FROM backup_runs
    UNION ALL
    SELECT l.top, b.id, b.base_id FROM links l JOIN backup_runs b ON b.id = l.base_id
  ),
  judged AS (
    SELECT l.top,
           count(*) AS pieces,
           every(b.status = 'ok' AND b.finished_at <= (SELECT t FROM cutoff)) AS usable
    FROM links l JOIN backup_runs b ON b.id = l.link
    GROUP BY l.top
  )
SELECT DISTINCT b.db,
       first_value(b.id)   OVER w AS restore_from,
       first_value(b.kind) OVER w AS kind,
       first_value(j.pieces) OVER w AS pieces
FROM judged j JOIN backup_runs b ON b.id = j.top
WHERE j.usable
WINDOW w AS (PARTITION BY b.db ORDER BY b.finished_at DESC)
ORDER BY b.db;
