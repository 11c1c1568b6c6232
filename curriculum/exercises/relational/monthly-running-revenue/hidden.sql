-- Other orders: a year boundary (the same month number in two years), order ids that do
-- not follow the dates, four orders on one day, a month with a single order.
TRUNCATE orders;
INSERT INTO orders VALUES
 (40, 5, '2023-12-30', 10.00), (31, 6, '2023-12-31', 20.00), (39, 5, '2023-12-31', 30.00),
 (32, 7, '2024-01-01',  5.00), (33, 5, '2024-01-01',  5.00), (38, 6, '2024-01-01', 7.25),
 (34, 7, '2024-01-01', 0.75),  (35, 5, '2024-01-15', 100.00),
 (36, 6, '2024-02-29', 42.00),
 (37, 7, '2024-12-01', 11.00), (41, 5, '2024-12-31', 9.00), (30, 6, '2024-12-15', 1.00);
