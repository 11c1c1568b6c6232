-- One document per article (title and body), one query; both processed with 'english'.
SELECT id, title
FROM articles
WHERE to_tsvector('english', title) || to_tsvector('english', body)
      @@ plainto_tsquery('english', 'restoring backups')
ORDER BY id;
