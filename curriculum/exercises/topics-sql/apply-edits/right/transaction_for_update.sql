-- Lock the notes that have edits, so nothing changes them between labelling and applying.
BEGIN;
SELECT d.id FROM documents d
WHERE d.id IN (SELECT doc_id FROM pending_edits)
FOR UPDATE;

UPDATE pending_edits e
SET status = 'applied'
WHERE EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id AND d.version = e.base_version);

UPDATE pending_edits SET status = 'conflict' WHERE status = 'pending';

UPDATE documents d
SET body = e.new_body, version = version + 1
FROM pending_edits e
WHERE e.doc_id = d.id AND e.status = 'applied';
COMMIT;
