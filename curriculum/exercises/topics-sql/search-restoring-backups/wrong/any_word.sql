-- OR instead of AND: one word is enough.
SELECT id, title FROM articles
WHERE to_tsvector('english', title || ' ' || body) @@ to_tsquery('english', 'restoring | backups')
ORDER BY id;
