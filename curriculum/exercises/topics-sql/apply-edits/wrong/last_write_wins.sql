-- No version test: stale edits overwrite newer notes (a lost update).
UPDATE documents d
SET body = e.new_body, version = d.version + 1
FROM pending_edits e
WHERE e.doc_id = d.id;

UPDATE pending_edits e
SET status = CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id)
                  THEN 'applied' ELSE 'conflict' END;
