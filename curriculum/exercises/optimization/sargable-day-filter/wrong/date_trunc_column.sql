SELECT id, title, published_at FROM posts
WHERE date_trunc('day', published_at) = timestamp '2023-06-01'
ORDER BY published_at, id;
