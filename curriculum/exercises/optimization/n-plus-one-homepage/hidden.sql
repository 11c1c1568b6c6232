-- Other rows: ids are not in time order (an import back-filled old posts with high ids),
-- several posts share a timestamp, one author wrote many of the newest posts and two
-- authors share a name.
TRUNCATE posts, authors;
INSERT INTO authors
SELECT g, CASE WHEN g IN (3, 4) THEN 'Sam Lee' ELSE 'Writer ' || (g * 7) END, 'w' || g || '@example.org'
FROM generate_series(1, 50) AS g;
INSERT INTO posts
SELECT g, CASE WHEN g % 3 = 0 THEN 3 WHEN g % 5 = 0 THEN 4 ELSE 1 + g % 50 END,
       'Story ' || g, 'text',
       timestamptz '2024-05-01 00:00+00' + ((g * 7919) % 997 / 4) * interval '1 hour'
FROM generate_series(1, 2000) AS g;
