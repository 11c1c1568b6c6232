-- Matches usage to indexes by name alone.
SELECT c.schemaname, c.relname, c.indexrelname, c.index_bytes
FROM index_catalog c
WHERE NOT c.indisunique AND NOT c.indisprimary
  AND NOT EXISTS (SELECT 1 FROM index_usage u WHERE u.indexrelname = c.indexrelname AND u.idx_scan > 0)
ORDER BY c.index_bytes DESC, c.schemaname, c.indexrelname;
