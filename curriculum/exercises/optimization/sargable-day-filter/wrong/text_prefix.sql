SELECT id, title, published_at FROM posts
WHERE published_at::text LIKE '2023-06-01%'
ORDER BY published_at, id;
