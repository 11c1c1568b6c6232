SELECT p.id, p.title FROM posts p INNER JOIN authors a ON a.id = p.author_id
WHERE a.email = 'author7@example.com'
UNION
SELECT p.id, p.title FROM posts p INNER JOIN authors a ON a.id = p.author_id
WHERE p.slug = 'post-123'
ORDER BY id;
