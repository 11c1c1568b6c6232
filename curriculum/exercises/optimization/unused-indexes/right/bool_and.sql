SELECT u.schemaname, u.relname, u.indexrelname, c.index_bytes
FROM index_usage u
JOIN index_catalog c ON c.schemaname = u.schemaname AND c.indexrelname = u.indexrelname
WHERE NOT (c.indisunique OR c.indisprimary)
GROUP BY u.schemaname, u.relname, u.indexrelname, c.index_bytes
HAVING bool_and(u.idx_scan = 0)
ORDER BY c.index_bytes DESC, u.schemaname, u.indexrelname;
