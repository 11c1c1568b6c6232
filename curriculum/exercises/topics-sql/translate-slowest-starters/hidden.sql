-- Runs after setup.sql, in the hidden database only: other customers, a tie at third place,
-- customers without orders, orders just after midnight, and no tie at the top.
TRUNCATE orders, customers;

INSERT INTO customers VALUES
    (10, 'Ines',   'Aas',   '2024-11-30 23:59'),
    (11, 'Jonas',  NULL,    '2024-12-01 00:01'),
    (12, 'Kari',   'Moe',   '2024-12-02 12:00'),
    (13, 'Lars',   'Vik',   '2024-12-03 12:00'),
    (14, 'Mona',   NULL,    '2024-12-04 12:00'),
    (15, 'Nils',   'Rud',   '2024-12-05 12:00'),
    (16, 'Oda',    'Holt',  '2024-12-06 12:00'),
    (17, 'Per',    'Dahl',  '2024-12-07 12:00');

INSERT INTO orders VALUES
    (201, 10, '2024-12-31 00:01'),   -- 31 boundaries, 30 whole days
    (202, 11, '2024-12-20 10:00'),   -- 19
    (203, 12, '2024-12-22 11:00'),   -- 20 boundaries, 19 whole days
    (204, 13, '2024-12-23 13:00'),   -- 20
    (205, 14, '2024-12-24 09:00'),   -- 20 boundaries, 19 whole days
    (206, 14, '2025-02-01 09:00'),
    (207, 15, '2024-12-06 12:00');   -- 1
