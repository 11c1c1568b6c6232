-- Each word separately, both required.
WITH docs AS (
    SELECT id, title, to_tsvector('english', title || ' ' || body) AS doc
    FROM articles
)
SELECT id, title
FROM docs
WHERE doc @@ to_tsquery('english', 'restoring')
  AND doc @@ to_tsquery('english', 'backups')
ORDER BY id;
