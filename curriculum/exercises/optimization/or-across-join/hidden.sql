-- Another blog: the post with the slug was written by the author with the e-mail (it matches
-- both conditions), two posts share a title, and one author has no posts.
TRUNCATE posts, authors;
INSERT INTO authors VALUES
    (1, 'Ada', 'author7@example.com'),
    (2, 'Ben', 'ben@example.com'),
    (3, 'Cy',  'author8@example.com');
INSERT INTO posts VALUES
    (10, 1, 'post-123', 'Hello again', 'x'),
    (11, 1, 'post-9', 'Hello again', 'x'),
    (12, 2, 'post-10', 'Elsewhere', 'x'),
    (13, 1, 'post-11', 'Third', 'x'),
    (14, 2, 'post-1234', 'Not this one', 'x');
INSERT INTO posts SELECT 100 + g, 2, 'filler-' || g, 'Filler', 'x' FROM generate_series(1, 500) AS g;
