-- "Not newer than the note" is not "equal to the note": stale edits get applied.
UPDATE pending_edits e
SET status = CASE WHEN EXISTS (SELECT 1 FROM documents d
                               WHERE d.id = e.doc_id AND e.base_version <= d.version)
                  THEN 'applied' ELSE 'conflict' END;

UPDATE documents d
SET body = e.new_body, version = d.version + 1
FROM pending_edits e
WHERE e.doc_id = d.id AND e.status = 'applied';
