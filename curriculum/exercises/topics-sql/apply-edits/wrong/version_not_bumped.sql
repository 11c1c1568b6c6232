-- Checks the version but never moves it on: the next stale edit would still match.
UPDATE pending_edits e
SET status = CASE WHEN EXISTS (SELECT 1 FROM documents d
                               WHERE d.id = e.doc_id AND d.version = e.base_version)
                  THEN 'applied' ELSE 'conflict' END;

UPDATE documents d
SET body = e.new_body
FROM pending_edits e
WHERE e.doc_id = d.id AND e.status = 'applied';
