-- Other customers and orders: a tie in completed orders, two customers with the same name,
-- customers with only pending orders, one with nothing at all, and many orders for one.
TRUNCATE orders, customers;

INSERT INTO customers VALUES
 (10, 'Lena Gruber',  'lena@example.at',   'AT'),
 (11, 'Ole Hansen',   'ole@example.no',    'NO'),
 (12, 'Maria Silva',  'maria@example.pt',  'PT'),
 (13, 'Maria Silva',  'msilva@example.pt', 'PT'),
 (14, 'Kari Berg',    'kari@example.no',   NULL),
 (15, 'Nils Dahl',    'nils@example.no',   'NO'),
 (16, 'Aino Virtanen','aino@example.fi',   'FI');

INSERT INTO orders VALUES
 (201, 10, 'paid',      '2024-01-02'),
 (202, 10, 'shipped',   '2024-04-20'),
 (203, 10, 'paid',      '2024-04-20'),   -- two completed orders on the same day
 (204, 10, 'pending',   '2024-05-01'),
 (205, 11, 'pending',   '2024-02-02'),   -- Ole: pending only
 (206, 11, 'pending',   '2024-02-03'),
 (207, 12, 'shipped',   '2023-12-24'),
 (208, 12, 'paid',      '2024-06-30'),
 (209, 13, 'paid',      '2024-03-03'),
 (210, 13, 'cancelled', '2024-07-07'),
 (211, 13, 'shipped',   '2024-01-15'),
 (212, 15, 'cancelled', '2024-02-28'),   -- Nils: cancelled only
 (213, 16, 'paid',      '2024-08-08');
-- Kari never ordered.
