-- A blog: 1,000 authors and 60,000 posts. Two posts are published in each 10-minute slot, so
-- created_at has ties and the homepage's tie-breaker (id DESC) decides their order.
CREATE TABLE authors (
    id    integer PRIMARY KEY,
    name  text NOT NULL,
    email text NOT NULL UNIQUE
);
INSERT INTO authors
SELECT g, 'Author ' || g, 'author' || g || '@example.com'
FROM generate_series(1, 1000) AS g;

CREATE TABLE posts (
    id         integer PRIMARY KEY,
    author_id  integer NOT NULL REFERENCES authors,
    title      text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO posts
SELECT g, 1 + (g * 37) % 1000, 'Post number ' || g, repeat('Lorem ipsum. ', 10),
       timestamptz '2023-01-01 00:00+00' + (g / 2) * interval '10 minutes'
FROM generate_series(1, 60000) AS g;
CREATE INDEX posts_author_idx ON posts (author_id);
CREATE INDEX posts_created_idx ON posts (created_at, id);
