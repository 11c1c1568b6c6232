-- UNION ALL is safe when the second branch excludes what the first already returned.
SELECT p.id, p.title
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE a.email = 'author7@example.com'
UNION ALL
SELECT p.id, p.title
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE p.slug = 'post-123' AND a.email <> 'author7@example.com'
ORDER BY 1;
