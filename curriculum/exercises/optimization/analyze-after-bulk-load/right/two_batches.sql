INSERT INTO tickets SELECT * FROM tickets_import WHERE id % 2 = 0;
INSERT INTO tickets SELECT * FROM tickets_import WHERE id % 2 = 1;
ANALYZE (SKIP_LOCKED) tickets;
