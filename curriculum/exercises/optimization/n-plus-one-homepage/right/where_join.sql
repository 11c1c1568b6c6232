SELECT posts.id, posts.title, authors.name
FROM posts, authors
WHERE authors.id = posts.author_id
ORDER BY posts.created_at DESC, posts.id DESC
LIMIT 20;
