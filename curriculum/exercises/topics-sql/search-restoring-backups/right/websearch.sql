SELECT a.id, a.title
FROM articles AS a
WHERE to_tsvector('english', concat_ws(' ', a.title, a.body))
      @@ websearch_to_tsquery('english', 'restoring backups')
ORDER BY a.id;
