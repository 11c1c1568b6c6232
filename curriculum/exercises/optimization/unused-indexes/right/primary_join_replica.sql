-- Put the two servers side by side.
SELECT p.schemaname, p.relname, p.indexrelname, c.index_bytes
FROM index_usage p
JOIN index_usage r ON r.schemaname = p.schemaname AND r.indexrelname = p.indexrelname AND r.server = 'replica'
JOIN index_catalog c ON c.schemaname = p.schemaname AND c.indexrelname = p.indexrelname
WHERE p.server = 'primary'
  AND p.idx_scan = 0 AND r.idx_scan = 0
  AND NOT c.indisunique AND NOT c.indisprimary
ORDER BY c.index_bytes DESC, p.schemaname, p.indexrelname;
