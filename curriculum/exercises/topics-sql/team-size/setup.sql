-- Harbour Logistics' org chart: an adjacency list, two separate top-level heads.
-- ltree is installed so an answer may build materialised paths if it wants to.
CREATE EXTENSION IF NOT EXISTS ltree;

CREATE TABLE employees (
    id         integer PRIMARY KEY,
    name       text NOT NULL,
    manager_id integer REFERENCES employees (id),
    CHECK (manager_id <> id)
);
CREATE INDEX employees_manager_idx ON employees (manager_id);

INSERT INTO employees VALUES
    (1,  'Maren Holt',     NULL),
    (2,  'Tobias Lind',    1),
    (3,  'Aylin Kaya',     1),
    (4,  'Jonas Berg',     2),
    (5,  'Priya Nair',     2),
    (6,  'Luca Conti',     3),
    (7,  'Sara Quist',     4),
    (8,  'Omar Haddad',    4),
    (9,  'Ida Strand',     5),
    (10, 'Felix Wolf',     6),
    (11, 'Nora Eklund',    6),
    (12, 'Jonas Berg',     3),        -- a second Jonas Berg, in another team
    (13, 'Lena Park',      12),
    -- the shipping subsidiary has its own head
    (20, 'Hanne Dahl',     NULL),
    (21, 'Mikkel Sand',    20),
    (22, 'Rosa Vidal',     20),
    (23, 'Emil Roth',      21),
    -- a contractor who reports to nobody and manages nobody
    (30, 'Kim Okafor',     NULL);
