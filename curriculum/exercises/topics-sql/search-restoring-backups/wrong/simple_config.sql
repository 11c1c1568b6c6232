-- The simple configuration does not stem: "restoring" only matches "restoring".
SELECT id, title FROM articles
WHERE to_tsvector('simple', title || ' ' || body) @@ plainto_tsquery('simple', 'restoring backups')
ORDER BY id;
