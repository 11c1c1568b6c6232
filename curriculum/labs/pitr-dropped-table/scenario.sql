-- The morning after the base backup, played on the primary; its WAL goes to the archive.
-- Every statement commits on its own, as the shop's application does.

-- Morning trading: 150 orders, their lines, and their payments.
INSERT INTO orders (id, customer_id, status) SELECT g, 1 + (g * 7919) % 400, 'pending' FROM generate_series(2001, 2150) g;
INSERT INTO order_items
SELECT o, l, 1 + (o * 31 + l * 17) % 120, 1 + (o + l) % 3, 4.99 + ((o * 31 + l * 17) % 40) * 2.5
FROM generate_series(2001, 2150) o, generate_series(1, 4) l WHERE l <= 1 + o % 4;
INSERT INTO payments (order_id, amount, provider_ref) SELECT o, 10 + o % 90, 'psp-' || o FROM generate_series(2001, 2150) o;
UPDATE orders SET status = 'paid' WHERE id BETWEEN 2001 AND 2150;
UPDATE orders SET status = 'shipped' WHERE id BETWEEN 1701 AND 1900;
INSERT INTO customers (id, email) SELECT g, 'customer' || g || '@example.com' FROM generate_series(401, 420) g;

-- 09:30 The nightly cleanup job starts late. It leaves a restore point first, as the runbook asks...
SELECT pg_create_restore_point('cleanup_start');
-- ...and drops the table it is meant to drop.
DROP TABLE order_items_import;

-- The job spends a while vacuuming logs; the shop keeps selling.
-- @sleep 1.5

-- The last orders before the incident: 30 orders and their lines, each its own transaction.
INSERT INTO orders (id, customer_id, status) SELECT g, 1 + (g * 7919) % 400, 'pending' FROM generate_series(2151, 2165) g;
INSERT INTO order_items
SELECT o, l, 1 + (o * 31 + l * 17) % 120, 1 + (o + l) % 3, 4.99 + ((o * 31 + l * 17) % 40) * 2.5
FROM generate_series(2151, 2165) o, generate_series(1, 4) l WHERE l <= 1 + o % 4;
INSERT INTO orders (id, customer_id, status) SELECT g, 1 + (g * 7919) % 400, 'pending' FROM generate_series(2166, 2180) g;
INSERT INTO order_items
SELECT o, l, 1 + (o * 31 + l * 17) % 120, 1 + (o + l) % 3, 4.99 + ((o * 31 + l * 17) % 40) * 2.5
FROM generate_series(2166, 2180) o, generate_series(1, 4) l WHERE l <= 1 + o % 4;
UPDATE products SET stock = stock - 1 WHERE id <= 30;

-- The job's last step was meant for the import table; a tab completion picked the live one.
-- @mark drop
DROP TABLE order_items;

-- Nobody notices at once. The payment provider confirms the last 30 orders...
INSERT INTO payments (order_id, amount, provider_ref) SELECT o, 10 + o % 90, 'psp-' || o FROM generate_series(2151, 2180) o;
UPDATE orders SET status = 'paid' WHERE id BETWEEN 2151 AND 2180;
-- ...and checkout writes 20 more order headers before failing on the missing table.
INSERT INTO orders (id, customer_id, status) SELECT g, 1 + (g * 7919) % 400, 'pending' FROM generate_series(2181, 2200) g;
INSERT INTO customers (id, email) SELECT g, 'customer' || g || '@example.com' FROM generate_series(421, 425) g;

-- @sleep 0.3
-- The error-rate alert fires; the on-call engineer stops the application.
-- @mark alert
UPDATE products SET stock = stock WHERE id = 1;
