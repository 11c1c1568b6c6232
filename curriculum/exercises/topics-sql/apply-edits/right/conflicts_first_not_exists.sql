-- Mark the conflicts with NOT EXISTS, apply what is still pending, then label those applied.
UPDATE pending_edits e
SET status = 'conflict'
WHERE NOT EXISTS (SELECT 1 FROM documents d
                  WHERE d.id = e.doc_id AND d.version = e.base_version);

UPDATE documents AS d
SET body = e.new_body, version = d.version + 1
FROM pending_edits AS e
WHERE e.status = 'pending' AND e.doc_id = d.id AND e.base_version = d.version;

UPDATE pending_edits SET status = 'applied' WHERE status = 'pending';
