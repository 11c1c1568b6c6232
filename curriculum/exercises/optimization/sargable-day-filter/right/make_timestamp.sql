SELECT id, title, published_at
FROM posts
WHERE published_at >= make_timestamp(2023, 6, 1, 0, 0, 0)
  AND published_at <  make_timestamp(2023, 6, 2, 0, 0, 0)
ORDER BY published_at, id;
