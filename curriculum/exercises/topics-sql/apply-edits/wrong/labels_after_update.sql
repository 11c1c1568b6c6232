-- Applies correctly, then labels against the *new* versions: every applied edit looks stale.
UPDATE documents d
SET body = e.new_body, version = d.version + 1
FROM pending_edits e
WHERE e.doc_id = d.id AND d.version = e.base_version;

UPDATE pending_edits e
SET status = CASE WHEN EXISTS (SELECT 1 FROM documents d
                               WHERE d.id = e.doc_id AND d.version = e.base_version)
                  THEN 'applied' ELSE 'conflict' END;
