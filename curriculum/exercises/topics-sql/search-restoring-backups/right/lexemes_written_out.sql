-- The stems written directly as a tsquery literal.
SELECT id, title
FROM articles
WHERE to_tsvector('english', title || ' ' || body) @@ 'restor & backup'::tsquery
ORDER BY 1;
