-- One statement: the UPDATE reports which edits it applied, the outer UPDATE labels them all.
WITH applied AS (
    UPDATE documents d
    SET body = e.new_body, version = d.version + 1
    FROM pending_edits e
    WHERE e.doc_id = d.id AND d.version = e.base_version
    RETURNING e.edit_id
)
UPDATE pending_edits
SET status = CASE WHEN edit_id IN (SELECT edit_id FROM applied) THEN 'applied' ELSE 'conflict' END;
