WITH day AS (SELECT timestamp '2023-06-01' AS starts, timestamp '2023-06-02' AS ends)
SELECT posts.id, posts.title, posts.published_at
FROM posts, day
WHERE posts.published_at >= day.starts AND posts.published_at < day.ends
ORDER BY posts.published_at, posts.id;
