-- Substrings, not words: misses other forms and matches "unrestorable".
SELECT id, title FROM articles
WHERE (title || ' ' || body) ILIKE '%restor%' AND (title || ' ' || body) ILIKE '%backup%'
ORDER BY id;
