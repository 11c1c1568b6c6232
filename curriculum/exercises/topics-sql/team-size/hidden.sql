-- Runs after setup.sql, in the hidden database only: a deeper chart (seven levels), a long
-- single chain, wide teams, ties in team size and duplicate names.
TRUNCATE employees;

INSERT INTO employees VALUES
    (100, 'Ana Ruiz',      NULL),
    (101, 'Ben Carter',    100),
    (102, 'Chloe Martin',  101),
    (103, 'Dev Patel',     102),
    (104, 'Eva Novak',     103),
    (105, 'Finn Murphy',   104),
    (106, 'Gina Rossi',    105),       -- seven levels: 100 > 101 > ... > 106
    (107, 'Hugo Lambert',  100),
    (108, 'Ines Costa',    107),
    (109, 'Jae Kim',       107),
    (110, 'Kofi Mensah',   107),
    (111, 'Lea Vogel',     109),
    (112, 'Ana Ruiz',      109),       -- same name as the head
    (113, 'Mila Horvat',   102),
    (114, 'Nico Ferreira', 113),
    (115, 'Oskar Berg',    112),
    (200, 'Olga Petrova',  NULL),
    (201, 'Pavel Dvorak',  200),
    (202, 'Quinn Walsh',   200),
    (203, 'Rita Sousa',    200),
    (204, 'Sami Laine',    201),
    (205, 'Tariq Aziz',    202),
    (206, 'Uma Reddy',     203),
    (300, 'Vera Lund',     NULL),
    (301, 'Will Grant',    300),
    (400, 'Xena Blake',    NULL);
