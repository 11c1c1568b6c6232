INSERT INTO tickets SELECT * FROM tickets_import;
VACUUM ANALYZE tickets;
