-- Quillnote, a shared notes app. Clients edit offline and upload their edits later; each
-- edit remembers the version of the note it was based on (optimistic locking).
CREATE TABLE documents (
    id      integer PRIMARY KEY,
    title   text NOT NULL,
    body    text NOT NULL,
    version integer NOT NULL CHECK (version >= 1)
);

CREATE TABLE pending_edits (
    edit_id      integer PRIMARY KEY,
    doc_id       integer NOT NULL,          -- no foreign key: the note may have been deleted since
    base_version integer NOT NULL,
    new_body     text NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'applied', 'conflict'))
);

INSERT INTO documents VALUES
    (1, 'Groceries',        'milk, eggs',                3),
    (2, 'Trip to Bergen',   'book ferry',                1),
    (3, 'Reading list',     'Dune',                      7),
    (4, 'Ideas',            'a notes app, but offline',  2),
    (5, 'Passwords (no!)',  'use a password manager',    1),
    (6, 'Recipes',          'pancakes: 2 eggs, flour',   4);

INSERT INTO pending_edits (edit_id, doc_id, base_version, new_body) VALUES
    (101, 1, 3, 'milk, eggs, coffee'),            -- based on the current version: applies
    (102, 2, 1, 'book ferry and hotel'),          -- applies
    (103, 3, 6, 'Dune, Foundation'),              -- stale: note is at version 7 now
    (104, 4, 1, 'an offline notes app'),          -- stale by more than one version
    (105, 9, 1, 'this note was deleted'),         -- the note no longer exists
    (106, 6, 4, 'pancakes: 2 eggs, flour, milk'); -- applies
