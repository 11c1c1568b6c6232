-- The load, then fresh statistics for the table that changed.
INSERT INTO tickets SELECT * FROM tickets_import;
ANALYZE tickets;
