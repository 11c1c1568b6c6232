-- The page is picked in the subquery, but the outer query forgets the order.
SELECT n.id, n.title, a.name
FROM (SELECT id, title, author_id FROM posts ORDER BY created_at DESC, id DESC LIMIT 20) n
JOIN authors a ON a.id = n.author_id
ORDER BY a.name;
