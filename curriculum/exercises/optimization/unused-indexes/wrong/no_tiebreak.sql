SELECT c.schemaname, c.relname, c.indexrelname, c.index_bytes
FROM index_catalog c JOIN index_usage u USING (schemaname, indexrelname)
WHERE NOT c.indisunique AND NOT c.indisprimary
GROUP BY 1, 2, 3, 4
HAVING sum(u.idx_scan) = 0
ORDER BY 4 DESC, 3 DESC;
