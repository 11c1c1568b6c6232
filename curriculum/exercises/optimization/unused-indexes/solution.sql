-- An index is a drop candidate when no server scanned it and it enforces no constraint.
-- Indexes are identified by schema and name: the same name can exist in two schemas.
SELECT c.schemaname, c.relname AS table_name, c.indexrelname AS index_name, c.index_bytes
FROM index_catalog c
JOIN index_usage u USING (schemaname, indexrelname)
WHERE NOT c.indisunique AND NOT c.indisprimary
GROUP BY c.schemaname, c.relname, c.indexrelname, c.index_bytes
HAVING sum(u.idx_scan) = 0
ORDER BY c.index_bytes DESC, c.schemaname, c.indexrelname;
