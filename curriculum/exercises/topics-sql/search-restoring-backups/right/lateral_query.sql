SELECT a.id, a.title
FROM articles a
CROSS JOIN LATERAL (SELECT phraseto_tsquery('english', 'restoring') && phraseto_tsquery('english', 'backups') AS q) x
WHERE (to_tsvector('english', a.title) || to_tsvector('english', a.body)) @@ x.q
ORDER BY a.id;
