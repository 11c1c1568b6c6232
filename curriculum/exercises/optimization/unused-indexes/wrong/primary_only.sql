SELECT c.schemaname, c.relname, c.indexrelname, c.index_bytes
FROM index_usage u JOIN index_catalog c USING (schemaname, indexrelname)
WHERE u.server = 'primary' AND u.idx_scan = 0 AND NOT c.indisunique AND NOT c.indisprimary
ORDER BY c.index_bytes DESC, c.schemaname, c.indexrelname;
