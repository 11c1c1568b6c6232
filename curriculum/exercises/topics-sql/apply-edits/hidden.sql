-- Runs after setup.sql, in the hidden database only: other notes and edits, a note one
-- version ahead of its edit, a note far ahead, deleted notes, and an edit whose new body
-- equals the current body (still applied: the version moves on).
TRUNCATE pending_edits, documents;

INSERT INTO documents VALUES
    (10, 'Standup',      'blocked on review',  12),
    (11, 'Garden',       'plant tulips',        1),
    (12, 'Books',        'Piranesi',            2),
    (13, 'Budget',       'rent 900',            5),
    (14, 'Gifts',        'scarf for Ola',       3),
    (15, 'Workout',      'run 5k',              9),
    (16, 'Untouched',    'no edits here',       2);

INSERT INTO pending_edits (edit_id, doc_id, base_version, new_body) VALUES
    (201, 10, 11, 'unblocked'),          -- one version behind
    (202, 11, 1,  'plant tulips and garlic'),
    (203, 12, 2,  'Piranesi'),           -- same text, still an applied edit
    (204, 13, 1,  'rent 950'),           -- far behind
    (205, 20, 3,  'gone'),               -- deleted note
    (206, 14, 3,  'scarf for Ola, book for Kari'),
    (207, 21, 1,  'also gone'),
    (208, 15, 10, 'run 10k');            -- base newer than the note: not the current version
