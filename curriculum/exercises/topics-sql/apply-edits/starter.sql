-- 1. Label each pending edit 'applied' or 'conflict' (compare base_version with the note's
--    current version, before changing any note).
-- 2. Apply the 'applied' edits: body = new_body, version = version + 1.
UPDATE documents d
SET body = e.new_body
FROM pending_edits e
WHERE e.doc_id = d.id;
