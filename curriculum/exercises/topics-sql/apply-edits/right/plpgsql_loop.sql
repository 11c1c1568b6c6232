-- The way an application would do it: one optimistic UPDATE per edit, FOUND tells the outcome.
DO $$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT * FROM pending_edits WHERE status = 'pending' ORDER BY edit_id LOOP
        UPDATE documents
        SET body = e.new_body, version = version + 1
        WHERE id = e.doc_id AND version = e.base_version;
        IF FOUND THEN
            UPDATE pending_edits SET status = 'applied' WHERE edit_id = e.edit_id;
        ELSE
            UPDATE pending_edits SET status = 'conflict' WHERE edit_id = e.edit_id;
        END IF;
    END LOOP;
END $$;
