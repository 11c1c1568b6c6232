-- A blog platform: 2,000 authors and 100,000 posts, with the indexes a blog has: unique e-mail,
-- unique slug, and posts by author.
CREATE TABLE authors (
    id    integer PRIMARY KEY,
    name  text NOT NULL,
    email text NOT NULL UNIQUE
);
INSERT INTO authors
SELECT g, 'Author ' || g, 'author' || g || '@example.com'
FROM generate_series(1, 2000) AS g;

CREATE TABLE posts (
    id         integer PRIMARY KEY,
    author_id  integer NOT NULL REFERENCES authors,
    slug       text NOT NULL UNIQUE,
    title      text NOT NULL,
    body       text NOT NULL
);
INSERT INTO posts
SELECT g, 1 + (g * 7) % 2000, 'post-' || g, 'Post number ' || g, repeat('Lorem ipsum. ', 15)
FROM generate_series(1, 100000) AS g;
CREATE INDEX posts_author_idx ON posts (author_id);
