SELECT c.schemaname, c.relname, c.indexrelname, c.index_bytes
FROM index_catalog c
LEFT JOIN index_usage u
       ON u.schemaname = c.schemaname AND u.indexrelname = c.indexrelname
WHERE NOT c.indisunique AND NOT c.indisprimary
GROUP BY c.schemaname, c.relname, c.indexrelname, c.index_bytes
HAVING count(*) FILTER (WHERE u.idx_scan > 0) = 0
ORDER BY c.index_bytes DESC, c.schemaname, c.indexrelname;
