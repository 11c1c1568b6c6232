SELECT id, title, published_at FROM posts
WHERE published_at >= DATE '2023-06-01'
  AND published_at < DATE '2023-06-01' + 1
ORDER BY 3, 1;
