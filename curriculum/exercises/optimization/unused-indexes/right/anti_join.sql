SELECT c.schemaname, c.relname, c.indexrelname, c.index_bytes
FROM index_catalog c
LEFT JOIN index_usage used
       ON used.schemaname = c.schemaname AND used.indexrelname = c.indexrelname AND used.idx_scan > 0
WHERE used.indexrelname IS NULL
  AND NOT c.indisunique AND NOT c.indisprimary
ORDER BY c.index_bytes DESC, c.schemaname, c.indexrelname;
