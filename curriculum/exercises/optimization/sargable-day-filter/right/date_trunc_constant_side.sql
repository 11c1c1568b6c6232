-- The function moved to the constant side, where it is computed once.
SELECT id, title, published_at FROM posts
WHERE published_at >= date_trunc('day', timestamp '2023-06-01 15:00')
  AND published_at < date_trunc('day', timestamp '2023-06-01 15:00') + interval '1 day'
ORDER BY published_at, id;
