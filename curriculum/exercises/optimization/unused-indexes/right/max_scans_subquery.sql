SELECT schemaname, relname, indexrelname, index_bytes
FROM (
    SELECT c.*, (SELECT max(u.idx_scan) FROM index_usage u
                 WHERE (u.schemaname, u.indexrelname) = (c.schemaname, c.indexrelname)) AS most_scans
    FROM index_catalog c
) x
WHERE most_scans = 0 AND NOT indisunique AND NOT indisprimary
ORDER BY index_bytes DESC, schemaname, indexrelname;
