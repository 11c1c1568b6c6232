-- Work out the winners once, into a temporary table, then apply and label from it.
CREATE TEMP TABLE winners AS
SELECT e.edit_id, e.doc_id, e.new_body, d.version AS old_version
FROM pending_edits e
JOIN documents d ON d.id = e.doc_id AND d.version = e.base_version;

UPDATE documents d
SET body = w.new_body, version = w.old_version + 1
FROM winners w
WHERE d.id = w.doc_id AND d.version = w.old_version;

UPDATE pending_edits
SET status = CASE WHEN edit_id IN (SELECT edit_id FROM winners) THEN 'applied' ELSE 'conflict' END;
