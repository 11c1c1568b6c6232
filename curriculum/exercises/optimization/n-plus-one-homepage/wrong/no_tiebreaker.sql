SELECT p.id, p.title, a.name
FROM posts p JOIN authors a ON a.id = p.author_id
ORDER BY p.created_at DESC, p.id
LIMIT 20;
