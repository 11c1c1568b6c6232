-- The lesson's first step only: the newest successful backup, its chain not checked.
WITH RECURSIVE newest AS (
    SELECT DISTINCT ON (db) * FROM backup_runs
    WHERE status = 'ok' AND finished_at <= '2024-03-08 12:00+00'
    ORDER BY db, finished_at DESC
), chain AS (
    SELECT db, id, base_id, id AS top FROM newest
    UNION ALL
    SELECT b.db, b.id, b.base_id, c.top FROM backup_runs b JOIN chain c ON b.id = c.base_id
)
SELECT c.db, c.top AS restore_from, n.kind, count(*) AS pieces
FROM chain c JOIN newest n ON n.id = c.top
GROUP BY c.db, c.top, n.kind
ORDER BY c.db;
