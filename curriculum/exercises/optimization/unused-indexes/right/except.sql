WITH unused AS (
    SELECT schemaname, indexrelname FROM index_usage
    EXCEPT
    SELECT schemaname, indexrelname FROM index_usage WHERE idx_scan > 0
)
SELECT c.schemaname, c.relname, c.indexrelname, c.index_bytes
FROM unused JOIN index_catalog c USING (schemaname, indexrelname)
WHERE c.indisunique = false AND c.indisprimary = false
ORDER BY c.index_bytes DESC, c.schemaname, c.indexrelname;
