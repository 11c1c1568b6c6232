-- Compare the sets of lexemes as arrays.
SELECT id, title
FROM articles
WHERE tsvector_to_array(to_tsvector('english', title || ' ' || body))
      @> tsvector_to_array(to_tsvector('english', 'restoring backups'))
ORDER BY id;
