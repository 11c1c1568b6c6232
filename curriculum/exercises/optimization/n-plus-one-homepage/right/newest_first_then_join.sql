-- Pick the 20 posts first, then look up only their authors.
SELECT n.id, n.title, a.name
FROM (SELECT id, title, author_id, created_at
      FROM posts
      ORDER BY created_at DESC, id DESC
      LIMIT 20) AS n
JOIN authors a ON a.id = n.author_id
ORDER BY n.created_at DESC, n.id DESC;
