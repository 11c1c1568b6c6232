SELECT p.id, p.title
FROM posts p
WHERE p.id IN (
    SELECT p2.id FROM posts p2 JOIN authors a ON a.id = p2.author_id WHERE a.email = 'author7@example.com'
    UNION ALL
    SELECT p3.id FROM posts p3 WHERE p3.slug = 'post-123'
)
ORDER BY p.id;
