-- A deeper tree (five levels), ids that do not follow the levels, names that are prefixes of
-- other names, a root without products or children, products with 0 units.
TRUNCATE products, categories;
INSERT INTO categories VALUES
 (50, 'Home', NULL),
 (51, 'Home office', NULL),
 (20, 'Furniture', 50),
 (21, 'Chairs', 20),
 (22, 'Office chairs', 21),
 (23, 'Office chairs spare parts', 22),
 (24, 'Desks', 51),
 (25, 'Chairs', 51),            -- same name as 21, other branch
 (10, 'Toys', NULL),
 (11, 'Outdoor', 50),
 (12, 'Wheels', 23);
INSERT INTO products VALUES
 (1, 'OC-1', 'Task chair',      22, 40),
 (2, 'OC-2', 'Gas lift',        23, 15),
 (3, 'WH-1', 'Caster set',      12,  8),
 (4, 'DS-1', 'Standing desk',   24, 12),
 (5, 'CH-9', 'Folding chair',   25,  0),
 (6, 'FU-1', 'Sideboard',       20,  3),
 (7, 'HM-1', 'Door mat',        50, 100),
 (8, 'CH-1', 'Dining chair',    21,  6);
