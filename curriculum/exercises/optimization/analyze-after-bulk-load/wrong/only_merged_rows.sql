INSERT INTO tickets SELECT * FROM tickets_import WHERE status = 'merged';
ANALYZE tickets;
