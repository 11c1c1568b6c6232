-- Label with a join first, then MERGE the applied edits into the notes (PostgreSQL 15).
UPDATE pending_edits SET status = 'conflict';

UPDATE pending_edits e SET status = 'applied'
FROM documents d
WHERE d.id = e.doc_id AND d.version = e.base_version;

MERGE INTO documents d
USING (SELECT doc_id, base_version, new_body FROM pending_edits WHERE status = 'applied') e
ON d.id = e.doc_id AND d.version = e.base_version
WHEN MATCHED THEN
    UPDATE SET body = e.new_body, version = d.version + 1;
