SELECT id, title, published_at FROM posts
WHERE published_at >= (SELECT timestamp '2023-06-01')
  AND published_at < (SELECT timestamp '2023-06-01' + interval '24 hours')
ORDER BY published_at, id;
