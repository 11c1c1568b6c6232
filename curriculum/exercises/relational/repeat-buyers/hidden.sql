-- Other rows: orders on 31 December 2024 and 1 January 2025, two customers with the same
-- name and the same total, a customer with many lines on two orders, one with four orders.
TRUNCATE order_items, orders, customers;

INSERT INTO customers VALUES
 (20, 'Maria Silva',   'maria@example.pt'),
 (21, 'Maria Silva',   'msilva@example.pt'),
 (22, 'Ole Hansen',    'ole@example.no'),
 (23, 'Kari Berg',     'kari@example.no'),
 (24, 'Lena Gruber',   'lena@example.at'),
 (25, 'Nils Dahl',     'nils@example.no'),
 (26, 'Aino Virtanen', 'aino@example.fi');

INSERT INTO orders VALUES
 (301, 20, 'paid',      '2024-12-31'),   -- last day of 2024: counts
 (302, 20, 'shipped',   '2024-01-01'),
 (303, 21, 'paid',      '2024-05-05'),
 (304, 21, 'paid',      '2024-05-06'),
 (305, 22, 'paid',      '2024-12-31'),
 (306, 22, 'paid',      '2025-01-01'),   -- next year: does not count
 (307, 23, 'shipped',   '2024-02-02'),   -- Kari: one order, four lines
 (308, 24, 'paid',      '2024-03-03'),
 (309, 24, 'paid',      '2024-03-04'),
 (310, 24, 'shipped',   '2024-03-05'),
 (311, 24, 'paid',      '2024-03-06'),
 (312, 24, 'pending',   '2024-03-07'),
 (313, 25, 'paid',      '2023-12-31'),
 (314, 25, 'paid',      '2024-01-02'),
 (315, 26, 'pending',   '2024-07-01'),
 (316, 26, 'paid',      '2024-07-02'),
 (317, 26, 'cancelled', '2024-07-03');

INSERT INTO order_items VALUES
 (301, 1, 'A', 2, 10.00), (301, 2, 'B', 1, 5.25),
 (302, 1, 'C', 1, 14.75),                               -- Maria 20: 40.00
 (303, 1, 'A', 1, 20.00),
 (304, 1, 'B', 4, 5.00),                                -- Maria 21: 40.00 (tie)
 (305, 1, 'C', 1, 300.00),
 (306, 1, 'C', 1, 300.00),
 (307, 1, 'A', 1, 1.00), (307, 2, 'B', 1, 1.00), (307, 3, 'C', 1, 1.00), (307, 4, 'D', 1, 1.00),
 (308, 1, 'A', 1, 12.00), (308, 2, 'B', 3, 1.10),
 (309, 1, 'A', 1, 12.00),
 (310, 1, 'D', 2, 7.50),
 (311, 1, 'B', 1, 0.99),
 (312, 1, 'C', 9, 99.00),
 (313, 1, 'A', 1, 50.00),
 (314, 1, 'A', 1, 50.00),
 (315, 1, 'B', 1, 20.00),
 (316, 1, 'B', 1, 20.00),
 (317, 1, 'B', 1, 20.00);
