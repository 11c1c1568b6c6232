-- Label with an IN over (doc, version) pairs, then update with correlated subqueries.
UPDATE pending_edits
SET status = CASE
    WHEN (doc_id, base_version) IN (SELECT id, version FROM documents) THEN 'applied'
    ELSE 'conflict'
END;

UPDATE documents d
SET body = (SELECT e.new_body FROM pending_edits e WHERE e.doc_id = d.id AND e.status = 'applied'),
    version = version + 1
WHERE EXISTS (SELECT 1 FROM pending_edits e
              WHERE e.doc_id = d.id AND e.status = 'applied' AND e.base_version = d.version);
