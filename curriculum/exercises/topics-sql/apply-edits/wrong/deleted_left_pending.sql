-- Labels through an inner join: edits of deleted notes stay 'pending'.
UPDATE pending_edits e
SET status = CASE WHEN d.version = e.base_version THEN 'applied' ELSE 'conflict' END
FROM documents d
WHERE d.id = e.doc_id;

UPDATE documents d
SET body = e.new_body, version = d.version + 1
FROM pending_edits e
WHERE e.doc_id = d.id AND e.status = 'applied';
