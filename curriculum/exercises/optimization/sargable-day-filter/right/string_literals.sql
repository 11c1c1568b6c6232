SELECT id, title, published_at FROM posts
WHERE published_at >= '2023-06-01' AND published_at < '2023-06-02'
ORDER BY published_at, id;
