INSERT INTO tickets SELECT * FROM tickets_import;
ANALYZE tickets (status);
