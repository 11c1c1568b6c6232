SELECT p.id, p.title, au.name
FROM posts p
CROSS JOIN LATERAL (SELECT name FROM authors WHERE authors.id = p.author_id) au
ORDER BY p.created_at DESC, p.id DESC
LIMIT 20;
