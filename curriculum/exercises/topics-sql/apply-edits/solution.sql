-- Decide every edit's fate against the versions as they are now, before anything changes.
UPDATE pending_edits e
SET status = CASE
        WHEN EXISTS (SELECT 1 FROM documents d
                     WHERE d.id = e.doc_id AND d.version = e.base_version)
        THEN 'applied' ELSE 'conflict' END
WHERE e.status = 'pending';

-- Apply the winners. The version test stays in the WHERE clause: it is the optimistic lock
-- itself, and it keeps the statement correct even if run on its own.
UPDATE documents d
SET body = e.new_body,
    version = d.version + 1
FROM pending_edits e
WHERE e.doc_id = d.id
  AND e.status = 'applied'
  AND d.version = e.base_version;
