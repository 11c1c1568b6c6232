-- Every word of 'restoring backups', in any form, in the title or the body.
SELECT id, title
FROM articles
WHERE title ILIKE '%restoring backups%'
ORDER BY id;
