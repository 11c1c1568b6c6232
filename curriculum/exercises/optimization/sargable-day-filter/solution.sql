-- The column stays bare; the day becomes a half-open range of timestamps.
SELECT id, title, published_at
FROM posts
WHERE published_at >= timestamp '2023-06-01'
  AND published_at <  timestamp '2023-06-02'
ORDER BY published_at, id;
