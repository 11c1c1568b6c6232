SELECT p.id,
       p.title,
       (SELECT a.name FROM authors a WHERE a.id = p.author_id) AS author_name
FROM posts p
ORDER BY p.created_at DESC, p.id DESC
LIMIT 20;
