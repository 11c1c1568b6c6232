-- A phrase: the words must be adjacent and in this order.
SELECT id, title FROM articles
WHERE to_tsvector('english', title || ' ' || body) @@ phraseto_tsquery('english', 'restoring backups')
ORDER BY id;
