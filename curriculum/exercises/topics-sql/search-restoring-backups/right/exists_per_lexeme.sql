-- Every lexeme of the query must be among the article's lexemes.
SELECT a.id, a.title
FROM articles a
WHERE NOT EXISTS (
    SELECT 1
    FROM unnest(tsvector_to_array(to_tsvector('english', 'restoring backups'))) AS wanted(lexeme)
    WHERE wanted.lexeme <> ALL (tsvector_to_array(to_tsvector('english', a.title || ' ' || a.body)))
)
ORDER BY a.id;
