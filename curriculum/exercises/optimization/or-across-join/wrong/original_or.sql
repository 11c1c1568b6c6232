SELECT p.id, p.title
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE a.email = 'author7@example.com' OR p.slug = 'post-123'
ORDER BY p.id;
