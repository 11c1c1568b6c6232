-- The morning after the base backup, played on the primary; its WAL goes to the archive.
-- Every statement commits on its own, as the ledger service does.
INSERT INTO transfers (id, from_id, to_id, amount) SELECT g, 1 + g % 400, 1 + (g * 31) % 400, 5 + g % 70 FROM generate_series(2001, 2150) g;
UPDATE accounts SET balance = balance + 10 WHERE id <= 50;

-- The interest job leaves a restore point before it starts, as the runbook asks.
SELECT pg_create_restore_point('before_interest');
UPDATE accounts SET balance = round(balance * 1.001, 2) WHERE id BETWEEN 100 AND 200;

-- @sleep 1.2

-- The last transfers before the incident, each its own transaction, within one second.
INSERT INTO transfers (id, from_id, to_id, amount) SELECT g, 1 + g % 400, 1 + (g * 31) % 400, 5 + g % 70 FROM generate_series(2151, 2160) g;
INSERT INTO transfers (id, from_id, to_id, amount) SELECT g, 1 + g % 400, 1 + (g * 31) % 400, 5 + g % 70 FROM generate_series(2161, 2170) g;
UPDATE accounts SET balance = balance - 5 WHERE id BETWEEN 51 AND 60;

-- An operator closes member 417's account by hand and forgets the WHERE clause.
-- @mark wipe
UPDATE accounts SET balance = 0;

-- The ledger service keeps taking transfers for a moment.
INSERT INTO transfers (id, from_id, to_id, amount) SELECT g, 1 + g % 400, 1 + (g * 31) % 400, 5 + g % 70 FROM generate_series(2171, 2190) g;
INSERT INTO transfers (id, from_id, to_id, amount) SELECT g, 1 + g % 400, 1 + (g * 31) % 400, 5 + g % 70 FROM generate_series(2191, 2200) g;

-- @sleep 0.3
-- The balance monitor fires; the service is stopped.
-- @mark alert
UPDATE accounts SET balance = balance WHERE id = 1;
