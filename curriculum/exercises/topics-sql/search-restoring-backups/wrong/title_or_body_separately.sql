-- Both words must be in the title, or both in the body: a split match is lost.
SELECT id, title FROM articles
WHERE to_tsvector('english', title) @@ plainto_tsquery('english', 'restoring backups')
   OR to_tsvector('english', body) @@ plainto_tsquery('english', 'restoring backups')
ORDER BY id;
