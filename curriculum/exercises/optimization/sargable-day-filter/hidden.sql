-- Posts at the edges of the day: exactly midnight on both sides, a fraction of a second
-- before midnight, and two posts sharing a timestamp.
TRUNCATE posts;
INSERT INTO posts VALUES
    (1, 1, 'Late on 31 May',       '2023-05-31 23:59:59.999'),
    (2, 1, 'Midnight opener',      '2023-06-01 00:00:00'),
    (3, 2, 'Breakfast news',       '2023-06-01 07:30:00'),
    (9, 3, 'Breakfast update',     '2023-06-01 07:30:00'),
    (4, 2, 'Last second',          '2023-06-01 23:59:59'),
    (5, 4, 'Half a second later',  '2023-06-01 23:59:59.5'),
    (6, 4, 'Next midnight',        '2023-06-02 00:00:00'),
    (7, 5, 'A year before',        '2022-06-01 12:00:00'),
    (8, 5, 'Next day',             '2023-06-02 09:00:00');
INSERT INTO posts
SELECT 100 + g, g % 50, 'Filler ' || g, timestamp '2023-01-01' + g * interval '7 minutes'
FROM generate_series(1, 20000) AS g;
