-- A LEFT JOIN finds, for every edit, the note at the expected version (or nothing).
UPDATE pending_edits p
SET status = x.outcome
FROM (
    SELECT e.edit_id,
           CASE WHEN d.id IS NULL THEN 'conflict' ELSE 'applied' END AS outcome
    FROM pending_edits e
    LEFT JOIN documents d ON d.id = e.doc_id AND d.version = e.base_version
) x
WHERE x.edit_id = p.edit_id;

UPDATE documents d
SET body = p.new_body, version = p.base_version + 1
FROM pending_edits p
WHERE p.doc_id = d.id AND p.status = 'applied' AND d.version = p.base_version;
