-- Another catalogue: stray spaces and commas, an empty string, a tag repeated inside one
-- product, tags that differ only in case (kept apart, as written), one product, many tags.
TRUNCATE products;
INSERT INTO products VALUES
 ('A-1', 'Teapot',        30.00, ' Kitchen ,Gifts,'),
 ('A-2', 'Kettle',        45.00, 'Kitchen,,Kitchen'),
 ('A-3', 'Apron',         12.00, ''),
 ('A-4', 'Chef knife',    80.00, 'kitchen, Knives, Gifts, Sale, Premium, Steel'),
 ('A-5', 'Spoon',          2.00, NULL),
 ('A-6', 'Tray',           9.00, ', ,');
