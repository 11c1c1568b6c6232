SELECT DISTINCT id, title
FROM (
    SELECT p.id, p.title FROM posts p JOIN authors a ON a.id = p.author_id
    WHERE a.email = 'author7@example.com'
    UNION ALL
    SELECT p.id, p.title FROM posts p WHERE p.slug = 'post-123'
) t
ORDER BY id;
