SELECT id, title, published_at FROM posts
WHERE published_at >= '2023-06-01 00:00:00' AND published_at <= '2023-06-01 23:59:59'
ORDER BY published_at, id;
