-- For each database: the newest backup finished by 2024-03-08 12:00 UTC whose whole chain
-- (it, its base, its base's base ... down to a full) is status 'ok'.
-- Columns: db, restore_from, kind, pieces. One row per database, ordered by db.
SELECT db, id AS restore_from, kind, 1 AS pieces
FROM backup_runs
WHERE status = 'ok';
