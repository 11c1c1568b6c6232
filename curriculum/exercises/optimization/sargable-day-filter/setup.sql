-- A publishing platform: 200,000 posts, one every five minutes for almost two years.
-- published_at is a timestamp without time zone (the newsroom works in local time).
CREATE TABLE posts (
    id           integer PRIMARY KEY,
    author_id    integer NOT NULL,
    title        text NOT NULL,
    published_at timestamp NOT NULL
);
INSERT INTO posts
SELECT g, 1 + g % 700, 'Post ' || g, timestamp '2022-08-01 00:00' + g * interval '5 minutes'
FROM generate_series(1, 200000) AS g;
CREATE INDEX posts_published_idx ON posts (published_at);
